"""The fixed wording of the rendered privacy policy, in Korean and English.

Facts never stand here (they come from the policy file); only the sentences around them do. Kept
apart from ``render.py`` so the wording can be reviewed, and translated, on its own.
"""

from __future__ import annotations

#: Fixed phrases: key -> (Korean, English). ``{name}`` placeholders are filled by ``t(key, name=...)``.
PHRASES: dict[str, tuple[str, str]] = {
    # -- document frame
    "title": ("{service} 개인정보처리방침", "{service} Privacy Policy"),
    "toc": ("목차", "Contents"),
    "intro": (
        "{service} 플랫폼은 {controller}(이하 “회사”)가 제공하고 관리합니다. 회사는 이용자의 "
        "개인정보를 보호하고 존중하고자 합니다.",
        "The {service} platform is provided and managed by {controller} (the “Company”). We want "
        "to protect and respect your personal data.",
    ),
    "service_definition": (
        "이 방침에서 “본 서비스”란 회사의 웹사이트, 서비스, 애플리케이션, 제품 및 콘텐츠(본 플랫폼을 "
        "포함하되 이에 한정되지 않습니다)를 통틀어 말합니다.",
        "In this policy, “the Service” means the Company's websites, services, applications, "
        "products and content together (including, but not limited to, this platform).",
    ),
    "acknowledgement_by_use": (
        "본 서비스에 접속하거나 이를 이용함으로써 이용자는 이 방침을 읽었으며, 자신의 정보와 관련된 "
        "권리와 회사가 그 정보를 수집, 이용, 처리하는 방식을 알고 있음을 인정하는 것입니다. 이 방침의 "
        "전체 또는 일부 내용에 동의하지 않는 경우 본 서비스를 이용하여서는 안 됩니다.",
        "By accessing or using the Service you acknowledge that you have read this policy and know "
        "your rights regarding your information and how the Company collects, uses and processes "
        "it. If you do not agree with all or part of this policy, you must not use the Service.",
    ),
    "terms_of_service_definitions": (
        "이 방침에 정의되지 않은 용어는 서비스약관에서 정의된 의미를 가집니다.",
        "Terms not defined in this policy have the meaning given to them in the Terms of Service.",
    ),
    "in_force": ("이 방침은 {date}부터 시행되었습니다.", "This policy has been in force since {date}."),
    "revised": (
        "{date}에 개정되었습니다(현재 버전 {version}).",
        "It was revised on {date} (current version {version}).",
    ),
    "history_pointer": (
        "모든 버전의 시행일은 이 문서 끝의 변경 이력에 있습니다.",
        "The dates of every version are listed under “Version history” at the end.",
    ),
    "revision_notice": (
        "앞으로 방침을 개정하면 다음 방법으로 알려 드립니다: {channels}.",
        "If we revise this policy we will announce it through: {channels}.",
    ),
    "none": ("없음", "none"),
    "dash": ("—", "—"),
    "list_sep": (", ", ", "),
    # -- section titles
    "s1": ("수집하는 개인정보의 항목과 수집 방법", "Personal data we collect and how we collect it"),
    "s2": ("개인정보의 이용 목적", "Purposes of use"),
    "s3": ("개인정보 처리의 법적 근거", "Lawful bases of processing"),
    "s4": ("개인정보의 공개", "Disclosure of personal data"),
    "s5": ("쿠키 및 유사 기술", "Cookies and similar technologies"),
    "s6": ("이용자의 권리와 행사 방법", "Your rights and how to exercise them"),
    "s7": ("개인정보의 안전성 확보 조치", "Security of personal data"),
    "s8": ("아동의 개인정보 보호", "Children's privacy"),
    "s9": ("개인정보의 제3자 제공", "Provision of personal data to third parties"),
    "s10": ("개인정보 처리업무의 위탁", "Entrusting processing to processors"),
    "s11": ("개인정보처리방침의 변경", "Changes to this policy"),
    "s12": ("기타 안내", "Other information"),
    "s13": ("개인정보 보호책임자", "Privacy officer"),
    "history": ("변경 이력", "Version history"),
    # -- 1. collection
    "s1_items": ("수집하는 항목", "What we collect"),
    "required_head": ("필수 항목", "Required items"),
    "required_intro": (
        "{service} 이용에 꼭 필요한 정보로, 이용자가 직접 제공합니다.",
        "Information you give us yourself, without which {service} cannot be used.",
    ),
    "when_flows": ("[{flows} 이용 시]", "[when using {flows}]"),
    "conditional_note": (
        "대괄호로 표시한 항목은 해당 기능을 이용할 때에만 필수이며, 그 밖에는 선택 항목입니다.",
        "Items marked in brackets are required only for that feature; otherwise they are optional.",
    ),
    "automatic_head": ("서비스 이용 과정에서 수집되는 항목", "Items collected as you use the service"),
    "automatic_intro": (
        "필수 항목 외에도, 서비스를 이용하는 과정에서 이용자가 제공하거나 자동으로 생성되는 다음 "
        "정보를 수집할 수 있습니다.",
        "Besides the required items, we may collect the following information that you provide or "
        "that is generated as you use the service.",
    ),
    "col_group": ("구분", "Group"),
    "col_items": ("수집 항목", "Items"),
    "group_unassigned": ("그 밖의 정보", "Other information"),
    "optional_head": ("선택 항목", "Optional items"),
    "optional_intro": (
        "선택 항목의 수집·이용에 대한 동의는 거부할 수 있으며, 거부하더라도 서비스 이용에 제한을 받지 "
        "않습니다.",
        "You may refuse consent to collecting and using optional items, and refusing never "
        "restricts your use of the service.",
    ),
    "col_consent": ("동의 항목", "Consent"),
    "col_purposes": ("이용 목적", "Purposes"),
    "col_retention": ("보유 기간", "Retention"),
    "consent_unassigned": ("개별 동의", "Separate consent"),
    "consent_purposes": (
        "선택 항목은 표에 적은 목적으로만 이용합니다.",
        "Optional items are used only for the purposes in the table.",
    ),
    "consent_retention": (
        "선택 항목은 표에 적은 기간까지만 보유합니다.",
        "Optional items are kept only for the period in the table.",
    ),
    "s1_channels": ("수집 방법", "How we collect it"),
    "channels_intro": (
        "회사는 다음 경로로 개인정보를 수집합니다: {channels}.",
        "We collect personal data through: {channels}.",
    ),
    "channels_recorded": (
        "수집한 항목마다 어느 경로로 수집했는지를 함께 기록합니다.",
        "For every item we keep a record of the channel it came through.",
    ),
    # -- 2. purposes
    "purposes_intro": (
        "회사는 서비스를 원활하게 제공하고 관리하기 위해 개인정보를 수집하며, 다음 목적으로만 "
        "이용합니다.",
        "We collect personal data to provide and run the service, and use it only for these "
        "purposes.",
    ),
    # -- 3. lawful bases
    "bases_intro": (
        "회사는 다음 법적 근거 가운데 하나 이상에 해당하는 경우에만 개인정보를 처리합니다.",
        "We process personal data only where at least one of the following lawful bases applies.",
    ),
    "basis.consent": ("정보주체의 동의", "Consent"),
    "basis.contract": ("계약의 체결·이행", "Contract"),
    "basis.legal_obligation": ("법적 의무의 준수", "Legal obligation"),
    "basis.vital_interests": (
        "정보주체 또는 다른 자연인의 중대한 이익 보호", "Vital interests"),
    "basis.public_task": (
        "공익적 직무의 수행 또는 공적 권한의 행사", "Public task or official authority"),
    "basis.legitimate_interests": ("회사 또는 제3자의 정당한 이익", "Legitimate interests"),
    "basis_desc.consent": (
        "이용자가 자신의 개인정보 처리에 동의한 경우",
        "you have given consent to the processing of your personal data",
    ),
    "basis_desc.contract": (
        "이용자가 당사자인 계약을 이행하거나, 계약 체결 전에 이용자가 요청한 조치를 하기 위해 필요한 "
        "경우",
        "it is necessary to perform a contract you are party to, or to take steps you ask for "
        "before entering into one",
    ),
    "basis_desc.legal_obligation": (
        "회사에 적용되는 법적의무의 준수를 위하여 처리가 필요한 경우",
        "it is necessary to comply with a legal obligation of the Company",
    ),
    "basis_desc.vital_interests": (
        "이용자 또는 다른 자연인의 중대한 이익을 보호하기 위하여 처리가 필요한 경우",
        "it is necessary to protect the vital interests of you or another natural person",
    ),
    "basis_desc.public_task": (
        "공익을 위한 직무를 수행하거나 회사에 부여된 공적 권한을 행사하기 위해 필요한 경우",
        "it is necessary for a task carried out in the public interest, or in the exercise of "
        "official authority vested in the Company",
    ),
    "basis_desc.legitimate_interests": (
        "회사나 제3자가 추구하는 정당한 이익을 위해 필요한 경우. 다만 이용자의 이익이나 기본권과 "
        "자유가 그 이익보다 우선하는 경우, 특히 이용자가 아동인 경우에는 이 근거로 처리하지 않습니다",
        "it is necessary for the legitimate interests pursued by the Company or a third party, "
        "except where your interests or fundamental rights and freedoms override them, in "
        "particular where you are a child",
    ),
    "bases_by_purpose": ("목적별 법적 근거", "Lawful bases by purpose"),
    "col_purpose": ("이용 목적", "Purpose"),
    "col_bases": ("법적 근거", "Lawful bases"),
    "bases_table": ("목적별 법적 근거는 다음과 같습니다.", "The lawful bases of each purpose:"),
    "basis_example.contract": (
        "(예: 회원관리, 본인확인 등, 이용자가 요구하는 서비스 제공에 관한 계약 이행, 요금 결제 및 "
        "요금 정산 등)",
        "(for example member management and identity checks, and performing the contract for "
        "the services you ask for, payment and settlement)",
    ),
    "basis_example.legal_obligation": (
        "(예: 관련법, 규정, 법적절차 및 정부 요청사항의 준수)",
        "(for example complying with laws, regulations, legal process and government requests)",
    ),
    "basis_example.vital_interests": (
        "(예: 이용자 또는 다른 자연인에게 해를 끼칠 수 있는 사기, 악용사례, 보안 위험, 기술적 문제에 "
        "대한 감지, 예방 및 대응)",
        "(for example detecting, preventing and responding to fraud, abuse, security risks and "
        "technical problems that could harm you or another person)",
    ),
    "basis_example.legitimate_interests": (
        "(예: 부정이용과 보안 위험의 탐지와 예방, 서비스 개선. 회사는 근거마다 이익형량 평가를 기록해 "
        "두며, 만 18세 미만 이용자에 대해서는 평가가 이를 다룬 경우에만 이 근거로 처리합니다)",
        "(for example detecting and preventing abuse and security risks, and improving the "
        "service. We record a balancing test for each, and process a minor's data on this basis "
        "only where the test covers minors)",
    ),
    "other_purpose_consent": (
        "이 방침에 명시된 목적과 다른 용도로 개인정보를 이용해야 할 때에는 먼저 이용자의 동의를 "
        "받습니다.",
        "Before we use personal data for any purpose not stated in this policy, we ask for your "
        "consent.",
    ),
    # -- 4. disclosure
    "disclosure_intro": (
        "회사는 이용자의 개인정보를 제3자에게 공개하지 않습니다. 다만 법률상 필요한 다음 경우는 "
        "예외입니다.",
        "We do not disclose your personal data to third parties, except where the law requires it "
        "in the following cases.",
    ),
    # Internal note, shown only in the reviewer's rendering.
    "disclosure_requires": ("확인 사항: {items}", "we require: {items}"),
    "req.legal_citation": ("근거 법령의 명시", "the legal provision to be cited"),
    "req.request_document": ("요청 문서의 접수", "a written request"),
    # -- 5. cookies
    "cookies_intro": (
        "쿠키(cookie)는 웹사이트나 애플리케이션을 운영하는 서버가 이용자의 브라우저로 보내 이용자의 "
        "기기에 저장하는 아주 작은 텍스트 파일입니다.",
        "A cookie is a small text file that the server running a website or app sends to your "
        "browser and that is stored on your device.",
    ),
    "cookies_anonymous": (
        "회사는 ‘쿠키(cookies)’ 등을 통하여 비개인적인 집합정보를 수집할 수 있습니다.",
        "Through cookies and similar technologies we may collect non-personal, aggregated "
        "information.",
    ),
    "cookies_kinds": (
        "회사가 사용하는 쿠키의 종류와 사용 목적은 다음과 같습니다.",
        "The kinds of cookies we use, and why:",
    ),
    "cookie_uses": ("사용 목적", "Used for"),
    "cookie_consent.not_needed": (
        "서비스 제공에 꼭 필요하므로 별도 동의 없이 사용합니다.",
        "Needed to provide the service, so used without separate consent.",
    ),
    "cookie_consent.opt_in": (
        "이용자가 허용한 경우에만 사용합니다.", "Used only if you allow them."),
    "cookie_choices_intro": (
        "쿠키 저장 여부는 이용자가 정합니다. 웹브라우저의 옵션을 설정해 다음 가운데 하나를 고를 수 "
        "있습니다.",
        "You decide whether cookies are stored. In your web browser's options you can choose to:",
    ),
    "choice.accept_all": ("모든 쿠키를 허용", "accept all cookies"),
    "choice.confirm_each": ("쿠키가 저장될 때마다 확인", "confirm each cookie before it is stored"),
    "choice.refuse_all": ("모든 쿠키의 저장을 거부", "refuse all cookies"),
    "cookie_refusal_effect": (
        "쿠키 저장을 거부하면 회사가 제공하는 일부 서비스에 어려움이 있을 수 있습니다.",
        "If you refuse cookies, some services may be harder to use.",
    ),
    # -- 6. rights
    "rights_intro": (
        "이용자 또는 법정대리인은 정보주체로서 회사의 개인정보 수집·이용·공유와 관련해 다음 권리를 "
        "행사할 수 있습니다.",
        "As the data subject, you or your legal representative may exercise the following rights "
        "over how we collect, use and share personal data.",
    ),
    "automated_head": ("자동화된 결정", "Automated decisions"),
    "automated_intro": (
        "회사는 다음 처리에서 자동화된 결정을 합니다.",
        "We make automated decisions in the following processing.",
    ),
    "automated_purpose": ("목적: {purpose}", "Purpose: {purpose}"),
    "automated_significant.true": (
        "이용자에게 중대한 영향을 미칠 수 있으므로, 위의 반대권을 행사해 사람의 검토를 받을 수 "
        "있습니다.",
        "It can significantly affect you, so you may object as described above and have a person "
        "review it.",
    ),
    "automated_significant.false": (
        "이용자에게 법적 효과나 그에 준하는 중대한 영향을 미치지 않습니다.",
        "It has no legal or similarly significant effect on you.",
    ),
    "exercise_head": ("권리 행사 방법", "How to exercise your rights"),
    "exercise_channels": (
        "권리는 다음 방법으로 행사할 수 있으며, 회사는 지체 없이 조치합니다: {channels}. "
        "연락처는 {officer_section}번 항목에 있습니다.",
        "You can exercise your rights through the following, and we act without delay: "
        "{channels}. Contact details are in section {officer_section}.",
    ),
    "rights_channel.account_menu": (
        "웹사이트나 애플리케이션의 회원정보 수정 메뉴", "the account settings of the website or app"),
    "rights_channel.written": ("서면", "a letter"),
    "rights_channel.phone": ("전화", "telephone"),
    "rights_channel.email": ("이메일", "email"),
    "rights_channel.fax": ("팩스", "fax"),
    "exercise_refusal": (
        "회사는 법률에 명시된 타당한 사유 또는 그에 상응하는 사유가 있는 경우에만 요청을 거부할 수 "
        "있습니다.",
        "We may refuse a request only for a valid reason stated in the law, or an equivalent one.",
    ),
    "refusal_reason_given": (
        "요청을 거부하는 경우 그 사유와 이의를 제기하는 방법을 기록하고 이용자에게 알립니다.",
        "If we refuse, we record the reason and tell you, with how to object.",
    ),
    "agents": (
        "다음 대리인을 통해서도 권리를 행사할 수 있습니다: {agents}. 이때에는 {proof}을 제출해야 합니다.",
        "You may also act through: {agents}. The agent must submit {proof}.",
    ),
    "agent.legal_representative": ("법정대리인", "a legal representative"),
    "agent.authorised_agent": ("위임을 받은 대리인", "an agent you have authorised"),
    "proof.power_of_attorney": ("위임장", "a power of attorney"),
    "verification": (
        "회사는 권리를 행사하는 사람이 본인 또는 정당한 대리인인지 확인합니다.",
        "We verify that whoever exercises a right is you or your legitimate agent.",
    ),
    "deadlines_head": ("처리 기한", "Response times"),
    "deadlines_intro": (
        "회사는 요청을 받은 날부터 아래 기한 안에 처리 결과를 알려 드립니다. 이용자가 사는 곳의 법이 "
        "정한 기한을 적용하며, 그 밖의 경우에는 {default} 기준을 적용합니다.",
        "We answer a request within the time below, counted from the day we receive it. The rules "
        "where you live apply; otherwise those of the default jurisdiction ({default}) apply.",
    ),
    "col_right": ("권리", "Right"),
    "col_deadline": ("처리 기한", "Time to respond"),
    "col_acknowledge": ("접수 확인", "Acknowledgement"),
    "col_extension": ("연장", "Extension"),
    "extension": ("+{by}, 최대 {times}회", "extendable {times} by {by}"),
    "postponement": (
        "사유를 알리고 연기 가능(사유 해소 후 지체 없이, 최대 {by})",
        "may be postponed with its reason told (then without delay, at most {by})",
    ),
    "extension_notice": (
        "기한을 연장할 때에는 그 사유와 연장 기간을 미리 알려 드립니다.",
        "If we extend the time, we tell you beforehand why and for how long.",
    ),
    # -- 7. security
    "security_intro": (
        "회사는 개인정보가 권한 없이 열람·공개·이용·변경되지 않도록 다음 기술적 조치를 하고 있습니다.",
        "To keep personal data from unauthorised access, disclosure, use or change, we take the "
        "following technical measures.",
    ),
    "security_one_way": (
        "다음 항목은 되돌릴 수 없는 일방향 방식으로만 저장합니다: {items}.",
        "These items are stored only in one-way (irreversible) form: {items}.",
    ),
    "security_encrypted": (
        "그 밖의 개인정보는 암호화하여 저장합니다.", "All other personal data is stored encrypted."),
    "security_organisational": (
        "이 중 다음 조치는 소프트웨어가 아니라 회사의 운영 절차로 이행하며, 그 이행 내역을 기록으로 "
        "남깁니다: {items}.",
        "Of these, the following are carried out by the Company's organisational procedures rather "
        "than by software, and their performance is recorded: {items}.",
    ),
    "security_more": (
        "관리적·물리적 조치를 포함한 전체 보호조치는 {section}번 항목에 있습니다.",
        "All safeguards, including administrative and physical ones, are listed in section "
        "{section}.",
    ),
    # -- 8. children
    "children_intro": (
        "회사는 원칙적으로 {jur}에서는 만 {age}세 미만, 그 밖의 지역에서는 해당 법이 정한 최소 연령 "
        "미만인 아동으로부터 개인정보를 수집하지 않습니다.",
        "As a rule we do not collect personal data from children under {age} (the minimum age "
        "for {jur}), or under the equivalent minimum age set by the law of another jurisdiction.",
    ),
    "children_gate": (
        "서비스는 일반 이용자를 대상으로 하며, 연령 제한 기능으로 아동의 이용을 막고 아동의 개인정보를 "
        "고의로 수집하지 않습니다.",
        "The service is meant for a general audience; an age restriction keeps children out, and "
        "we never knowingly collect their personal data.",
    ),
    "col_jurisdiction": ("지역", "Jurisdiction"),
    "col_law": ("근거 법령", "Law"),
    "col_min_age": ("서비스 이용 최소 연령", "Minimum age for the service"),
    "col_children_rule": ("아동에 관한 규정", "Rule on children"),
    "children_table": (
        "지역별로 아동의 개인정보에 관한 법과, 회사가 정한 서비스 이용 최소 연령은 다음과 같습니다.",
        "The law on children's data in each jurisdiction, and the minimum age we set for the "
        "service:",
    ),
    "age": ("만 {age}세", "{age}"),
    # -- 9. third parties
    "provision_intro": (
        "회사는 이 방침이 정한 범위 안에서만 개인정보를 처리하며, 다음 경우에만 제3자에게 제공합니다.",
        "We process personal data only within this policy, and provide it to a third party only "
        "in these cases:",
    ),
    "provision.consent": ("이용자가 동의한 경우", "you have consented"),
    "provision.law": ("법률의 특별한 규정이 있는 경우", "a specific provision of law requires it"),
    "recipients_none": (
        "현재 개인정보를 제공받는 제3자는 없습니다.",
        "At present no third party receives personal data from us.",
    ),
    "recipients": ("개인정보를 제공받는 자: {items}.", "Recipients of personal data: {items}."),
    # -- 10. processors
    "processors_intro": (
        "회사는 원활한 업무 처리를 위해 다음과 같이 개인정보 처리업무를 위탁하고 있습니다.",
        "To run the service smoothly we entrust the following processing to processors.",
    ),
    "processors_none": (
        "현재 개인정보 처리업무를 위탁하지 않습니다.",
        "At present we do not entrust any processing to a processor.",
    ),
    "col_processor": ("수탁자", "Processor"),
    "col_tasks": ("위탁 업무", "Entrusted tasks"),
    "col_country": ("소재국", "Country"),
    "processor_country": (
        "소재국은 수탁자가 위탁받은 개인정보를 처리하는 나라입니다.",
        "The country is where the processor processes the data entrusted to it.",
    ),
    "clauses_intro": (
        "위탁계약을 맺을 때에는 다음 사항을 계약서 등 문서에 명시하고, 수탁자가 개인정보를 안전하게 "
        "처리하는지 감독합니다.",
        "Each processing contract states the following in writing, and we supervise that the "
        "processor handles personal data safely.",
    ),
    "clause.purpose_limitation": (
        "위탁 업무 목적 외의 개인정보 처리 금지", "no processing beyond the entrusted task"),
    "clause.protection_measures": (
        "기술적·관리적 보호조치", "technical and organisational protection measures"),
    "clause.no_subprocessing": ("재위탁 제한", "restrictions on re-entrustment (sub-processing)"),
    "clause.supervision": ("수탁자에 대한 관리·감독", "management and supervision of the processor"),
    "clause.liability": ("손해배상 등 책임", "liability, including for damages"),
    "processor_change": (
        "수탁자가 변경되거나 위탁 업무의 내용이 바뀌면 지체 없이 이 방침을 통해 공개합니다.",
        "If a processor or an entrusted task changes, we publish it in this policy without delay.",
    ),
    # -- 11. changes
    "changes_intro": (
        "회사는 이 방침을 수정하거나 변경할 수 있습니다. 변경할 때에는 다음 방법으로 알립니다: "
        "{channels}.",
        "We may amend or change this policy. When we do, we announce it through: {channels}.",
    ),
    "changes_consent": (
        "관계법에서 요구하는 경우에는 이용자의 동의를 받습니다.",
        "Where the law requires it, we ask for your consent.",
    ),
    "notice.website_notice": ("웹사이트 공지사항", "the website's notice board"),
    "notice.app_notice": ("애플리케이션 공지사항", "the app's notice board"),
    "notice.written": ("서면", "in writing"),
    "notice.fax": ("팩스", "by fax"),
    "notice.email": ("이메일", "by email"),
    "notice.sms": ("문자메시지", "by text message"),
    "notice_individual": ("개별공지({channels})", "individual notice ({channels})"),
    "or": (" 또는 ", " or "),
    # -- 12. other
    "s12_transfers": ("해외에서 수집한 개인정보의 이전", "Transfers of personal data"),
    "transfer_route": ("이전 경로: {origin} → {dest}", "Route: {origin} → {dest}"),
    "transfer_intro": (
        "이 정보를 이용하거나 공개할 때에는 다음 가운데 하나에 근거해서만 합니다.",
        "We use or disclose this data only on one of the following grounds.",
    ),
    "mechanism.adequacy": ("적정성 결정(adequacy decision)", "an adequacy decision"),
    "mechanism.eu_us_privacy_shield": (
        "EU-미국 프라이버시 쉴드(EU-US Privacy Shield)", "EU-US Privacy Shield"),
    "mechanism.swiss_us_privacy_shield": (
        "스위스-미국 프라이버시 쉴드(Swiss-US Privacy Shield)", "Swiss-US Privacy Shield"),
    "mechanism.eu_us_data_privacy_framework": (
        "EU-미국 데이터 프라이버시 프레임워크(EU-US Data Privacy Framework)",
        "EU-US Data Privacy Framework"),
    "mechanism.swiss_us_data_privacy_framework": (
        "스위스-미국 데이터 프라이버시 프레임워크(Swiss-US Data Privacy Framework)",
        "Swiss-US Data Privacy Framework"),
    "mechanism.standard_contractual_clauses": (
        "표준 계약 조항(standard contractual clauses)", "standard contractual clauses"),
    "mechanism.binding_corporate_rules": (
        "구속력 있는 기업 규칙(binding corporate rules)", "binding corporate rules"),
    "mechanism.other_safeguards": (
        "관련 규정이 인정하는 그 밖의 적절한 안전장치",
        "other appropriate safeguards recognised by the applicable rules"),
    "mechanism.consent": ("이용자의 별도 동의", "your separate consent"),
    "s12_california": ("캘리포니아 거주자를 위한 안내", "Notice to California residents"),
    "ca_intro": (
        "캘리포니아에 거주하시는 분이라면 특정 권리사항이 추가될 수 있습니다.",
        "If you live in California, you may have certain additional rights.",
    ),
    "ca.caloppa": (
        "회사는 캘리포니아 온라인 프라이버시 보호법(CalOPPA)을 지키기 위해 필요한 보호조치를 "
        "마련합니다.",
        "We take the precautions needed to comply with the California Online Privacy Protection "
        "Act (CalOPPA).",
    ),
    "ca.breach_inquiry": (
        "이용자는 개인정보가 누출되었을 경우 정보유출 확인을 요청할 수 있습니다.",
        "If your personal data has leaked, you may ask us to confirm the breach.",
    ),
    "ca.account_edit": (
        "이용자는 자신의 계정에 로그인해 회원정보 수정 메뉴에서 언제든지 정보를 변경할 수 있습니다.",
        "You can change your information at any time in your account settings.",
    ),
    "ca.tracks.false": (
        "회사는 웹 사이트 방문자를 추적하지 않습니다.",
        "We do not track visitors to our website.",
    ),
    "ca.tracks.true": (
        "회사는 웹 사이트 방문자를 추적할 수 있습니다.",
        "We may track visitors to our website.",
    ),
    "ca.dnt.false": (
        "회사는 ‘추적 방지(Do Not Track)’ 신호도 사용하지 않습니다.",
        "We do not use “Do Not Track” signals either.",
    ),
    "ca.dnt.true": (
        "회사는 ‘추적 방지(Do Not Track)’ 신호에 더해, 브라우저가 보내는 GPC(Global Privacy "
        "Control) 신호를 판매·공유 거부 의사로 존중합니다. 그 브라우저에서는 이용자가 직접 켜지 "
        "않는 한 동의가 필요한 쿠키를 켜지 않습니다.",
        "Beyond “Do Not Track”, we honour your browser's Global Privacy Control (GPC) signal as an "
        "opt-out of sale or sharing: in that browser, no cookie that needs consent is turned on "
        "unless you turn it on yourself.",
    ),
    "ca.ads.false": (
        "회사는 이용자의 동의 없이 광고 서비스를 통해 개인 식별 정보를 수집하거나 다른 회사에 제공하지 "
        "않습니다.",
        "Without your consent we neither collect personally identifiable information through "
        "advertising services nor pass it to other companies.",
    ),
    "ca.ads.true": (
        "회사는 광고 서비스를 통해 개인 식별 정보를 다른 회사에 제공할 수 있습니다.",
        "We may pass personally identifiable information to other companies through advertising "
        "services.",
    ),
    "s12_local": ("{jur} 거주자를 위한 안내", "Additional notice: {jur}"),
    "local_intro": (
        "{law} 등 관계 법령에 따라 다음 사항을 추가로 안내합니다.",
        "Additional information required by the related laws ({law}):",
    ),
    "retention_head": ("개인정보의 보유 및 이용 기간", "How long we keep personal data"),
    "retention_default": (
        "원칙: 개인정보는 {default}합니다.", "As a rule, personal data is {default}."),
    "retention_legal": (
        "다만 관계 법령에 따라 보존해야 하는 다음 기록은 정해진 기간 동안 보관합니다.",
        "Records that the law requires us to keep are, however, kept for the periods below.",
    ),
    "col_record": ("보존하는 기록", "Record"),
    "col_period": ("보존 기간", "Kept for"),
    "law_change_overrides": (
        "관계 법령이 개정되어 보존할 정보나 기간이 바뀌면 이 표와 다르더라도 개정된 법령에 따릅니다.",
        "If the law is amended and changes what must be kept or for how long, the amended law "
        "prevails over this table.",
    ),
    "dormant_separation": (
        "{period} 동안 서비스를 이용하지 않은 계정의 개인정보는 다른 개인정보와 분리하여 보관합니다.",
        "Personal data of accounts unused for {period} is stored apart from other personal data.",
    ),
    "destruction_head": ("개인정보의 파기 절차와 방법", "How personal data is destroyed"),
    "destruction_intro": (
        "수집·이용 목적을 달성한 개인정보는 지체 없이 파기합니다. 법령에 따라 보관하는 정보는 그 "
        "기간이 지난 후 파기하며, 별도로 저장·관리하는 동안 법령이 정한 경우 외에는 다른 용도로 "
        "이용하지 않습니다.",
        "Personal data whose purpose has been achieved is destroyed without delay. Data kept "
        "because the law requires it is destroyed once that period ends; while it is kept apart, "
        "it is used for nothing else unless the law provides otherwise.",
    ),
    "destruction_electronic": ("전자 파일: {how}", "Electronic files: {how}"),
    "destruction_paper": ("종이 문서: {how}", "Paper records: {how}"),
    "measures_head": (
        "개인정보 보호를 위한 기술적·관리적·물리적 조치",
        "Technical, administrative and physical safeguards",
    ),
    "measures_intro": (
        "개인정보가 분실·도난·유출·변조·훼손되지 않도록 다음 조치를 하고 있습니다.",
        "To keep personal data from being lost, stolen, leaked, altered or damaged, we take the "
        "following measures.",
    ),
    "kind.technical": ("기술적 조치", "Technical measures"),
    "kind.administrative": ("관리적 조치", "Administrative measures"),
    "kind.physical": ("물리적 조치", "Physical measures"),
    "organisational_mark": ("운영 절차", "organisational"),
    "s12_integrations": ("외부 서비스 연동", "Third-party services we use"),
    "integration_uses": (
        "본 서비스는 {name}({provider})를 이용합니다. 이용자 데이터 보호를 위해 {provider}의 "
        "개인정보 보호정책을 함께 준수합니다.",
        "The service uses {name} ({provider}). To protect your data we also comply with "
        "{provider}'s privacy policy.",
    ),
    "integration_policy": ("{provider}의 개인정보 보호정책", "{provider}'s privacy policy"),
    "integration_revoke": (
        "이용자는 언제든지 {provider} 보안 설정 페이지에서 본 서비스의 접근 권한을 철회할 수 "
        "있습니다",
        "You can revoke the service's access at any time on {provider}'s security settings page",
    ),
    # -- 13. officer
    "officer_intro": (
        "회사의 개인정보 관리책임자는 다음과 같습니다.",
        "The Company's privacy officer is:",
    ),
    "officer.name": ("성명", "Name"),
    "officer.title": ("직책", "Title"),
    "officer.organisation": ("소속", "Organisation"),
    "officer.phone": ("전화", "Telephone"),
    "officer.email": ("이메일", "Email"),
    # -- version history
    "version_line": ("{date} 시행", "Effective {date}"),
    "version_line_revised": ("{date} 개정", "Revised {date}"),
    "version_name": ("버전 {version}", "version {version}"),
    "printed_as": ("원문에는 시행일이 ‘{printed}’로 적혀 있었습니다", "The original text printed "
                   "the effective date as “{printed}”"),
    "printed_invalid": ("실재하지 않는 날짜", "a date that does not exist"),
    "last_updated": ("최종 갱신: {date}", "Last updated: {date}"),
    "current_version": ("현재 버전", "current version"),
    # -- the reviewer's rendering (`policy render --review`): never in the public text
    "review.added": ("추가", "added"),
    "review.changed": ("원문 변경", "changed from the source"),
    "review.law": ("근거", "law"),
    "review.since": ("시행", "in force"),
    "review.unconfirmed": ("책임자 확인 대기", "awaiting the officer's confirmation"),
    "review.confirmed": ("{who} 확인 {date}", "confirmed by {who} on {date}"),
    "review.internal": ("내부 메모", "internal note"),
}

#: The claims the wording can make. A policy that declares ``provenance:`` makes a claim only
#: when its ``statements:`` name it, with where it comes from; other phrases are the frame
#: (headings, column names, connectors) and claim nothing. A key stands for its phrase and its
#: variants (``cookie_consent`` allows ``cookie_consent.opt_in`` and ``.not_needed``).
STATEMENTS: dict[str, str] = {
    "intro": "who provides the platform, and that the company means to protect personal data",
    "service_definition": "what “the Service” means",
    "acknowledgement_by_use": "that using the Service acknowledges the policy",
    "terms_of_service_definitions": "that undefined terms take the Terms of Service's meaning",
    "revision_notice": "how a revision will be announced",
    "required_intro": "that required items are given by the user",
    "conditional_note": "that items required only in some flows are optional elsewhere",
    "automatic_intro": "that items are also collected in the course of use",
    "optional_intro": "that optional items may be refused without restricting the service",
    "channels_intro": "the channels data is collected through",
    "channels_recorded": "that each item's channel is recorded",
    "purposes_intro": "that data is used only for the purposes listed",
    "bases_intro": "that data is processed only on the lawful bases listed",
    **{f"basis_desc.{b}": f"what the lawful basis {b} covers" for b in (
        "consent", "contract", "legal_obligation", "vital_interests", "public_task",
        "legitimate_interests")},
    "bases_table": "which lawful basis each purpose rests on",
    **{f"basis_example.{b}": f"examples of processing on {b}" for b in (
        "contract", "legal_obligation", "vital_interests", "legitimate_interests")},
    "consent_purposes": "the purposes each optional item is used for",
    "consent_retention": "how long each optional item is kept",
    "processor_country": "the country where each processor processes the data",
    "other_purpose_consent": "that another purpose needs consent first",
    "disclosure_intro": "that nothing is disclosed but in the listed cases",
    "cookies_intro": "what a cookie is",
    "cookies_anonymous": "that cookies gather non-personal aggregated information",
    "cookies_kinds": "that the kinds of cookies used are listed",
    "cookie_consent": "which cookies are used only with the user's permission",
    "cookie_choices_intro": "that the user chooses about cookies in the browser's options",
    "cookie_refusal_effect": "that refusing cookies may make some services harder to use",
    "rights_intro": "that the user or a legal representative has the listed rights",
    "automated_intro": "that automated decisions are made in the listed processing",
    "automated_significant": "whether each automated decision significantly affects the user",
    "exercise_channels": "how rights are exercised, and that the company acts without delay",
    "exercise_refusal": "that a request is refused only for a reason the law recognises",
    "refusal_reason_given": "that a refusal's reason is recorded and given",
    "agents": "that agents may act with a power of attorney",
    "verification": "that the requester's identity is verified",
    "deadlines_intro": "that requests are answered within the listed times",
    "extension_notice": "that an extension is told beforehand with its reason",
    "security_intro": "that the listed technical measures are taken",
    "security_one_way": "which items are stored only one-way",
    "security_encrypted": "that every other value is stored encrypted",
    "children_intro": "the minimum age below which no data is collected",
    "children_gate": "that an age restriction keeps children out",
    "children_table": "each jurisdiction's rule on children's data",
    "provision_intro": "that data goes to third parties only in the listed cases",
    "recipients_none": "that no third party receives data at present",
    "processors_intro": "that processing is entrusted to the listed processors",
    "processors_none": "that no processing is entrusted",
    "clauses_intro": "that contracts state the listed clauses and processors are supervised",
    "processor_change": "that a change of processor is published without delay",
    "changes_intro": "that the policy may change, announced through the listed channels",
    "changes_consent": "that consent is asked where the law requires it",
    "transfer_route": "where data obtained abroad goes",
    "transfer_intro": "that such data is used only on the listed grounds",
    "ca_intro": "that California residents may have additional rights",
    "ca.caloppa": "that CalOPPA's precautions are taken",
    "ca.breach_inquiry": "that a user may ask to confirm a breach",
    "ca.account_edit": "that users can change their information at any time",
    "ca.tracks": "whether website visitors are tracked",
    "ca.dnt": "what is done with Do Not Track or GPC signals",
    "ca.ads": "whether identifying data goes to others through ad services without consent",
    "local_intro": "that the following is disclosed under the local law",
    "retention_default": "when data is destroyed as a rule",
    "retention_legal": "that records the law requires are kept for the listed periods",
    "law_change_overrides": "that an amended law prevails over the retention table",
    "destruction_intro": "that data is destroyed once its purpose is met, held data after its period",
    "measures_intro": "that the listed safeguards are taken",
    "integration_uses": "that a third-party service is used and its policy followed",
    "integration_revoke": "that access granted to it can be revoked",
    "officer_intro": "who the privacy officer is",
}

#: Country and region codes that the policy uses in transfers and processors.
PLACES: dict[str, tuple[str, str]] = {
    "EU": ("유럽연합", "the European Union"),
    "EEA": ("유럽경제지역", "the European Economic Area"),
    "CH": ("스위스", "Switzerland"),
    "GB": ("영국", "the United Kingdom"),
    "KR": ("대한민국", "the Republic of Korea"),
    "US": ("미국", "the United States"),
    "JP": ("일본", "Japan"),
}


#: Phrases that are notes for the reviewer, never part of the public rendering.
INTERNAL = frozenset({"disclosure_requires", "security_organisational", "organisational_mark"}
                     | {k for k in PHRASES if k.startswith("review.")})


def is_claim(key: str) -> bool:
    """Whether a phrase makes a claim (a statement, or one of its variants)."""
    return key in STATEMENTS or key.rsplit(".", 1)[0] in STATEMENTS


#: The frame of the rendering: headings, column names, connectors and the wording around an
#: item's own facts. They claim nothing, so they need no provenance.
FRAME = frozenset(k for k in PHRASES if not is_claim(k) and k not in INTERNAL)
