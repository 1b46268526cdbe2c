"""The privacy center's words, Korean first: the page frame and the errors' Korean texts.

``t(lang, key)`` gives a phrase. ``error_text(exc, lang)`` gives (message, fix) for a domain
error in the page's language: a Korean text for the common rules (keyed by the error's code and
field), the core's English message and fix otherwise. Neither ever holds a member's value: the
core's messages do not, and these texts are fixed.
"""

from __future__ import annotations

from yaksok.errors import YaksokError

__all__ = ["LANGS", "TEXTS", "error_text", "pick_lang", "t"]

LANGS = ("ko", "en")

TEXTS: dict[str, tuple[str, str]] = {
    "center": ("개인정보 센터", "Privacy center"),
    "skip": ("본문으로 건너뛰기", "Skip to main content"),
    "menu": ("계정 메뉴", "Account menu"),
    "switch_lang": ("English", "한국어"),
    "switch_lang_label": ("Switch to English", "한국어로 보기"),
    "home": ("내 계정", "My account"),
    "home_intro": ("내 개인정보를 보고, 고치고, 동의를 관리하고, 권리를 행사하는 곳입니다.",
                   "See and correct your personal data, manage your consents and exercise "
                   "your rights."),
    "signup": ("회원가입", "Sign up"),
    "login": ("로그인", "Log in"),
    "logout": ("로그아웃", "Log out"),
    "data": ("내 정보", "My data"),
    "consents": ("내 동의", "My consents"),
    "rights": ("권리 행사", "My rights"),
    "history": ("내 정보를 본 사람", "Who saw my data"),
    "incidents": ("유출 사고 확인", "Was I part of a breach?"),
    "notices": ("방침과 공지", "Notices and policy versions"),
    "close": ("회원 탈퇴", "Close my account"),
    "cookies": ("쿠키 설정", "Cookie settings"),
    "email": ("이메일(아이디)", "Email (login ID)"),
    "password": ("비밀번호", "Password"),
    "password_hint": ("10자 이상, 다른 곳에서 쓰지 않는 비밀번호", "At least 10 characters, "
                      "not used anywhere else"),
    "phone": ("휴대전화번호", "Mobile phone number"),
    "phone_hint": ("예: 010-1234-5678", "e.g. 010-1234-5678"),
    "birth_date": ("생년월일", "Date of birth"),
    "birth_hint": ("나이 확인에만 씁니다(만 14세 이상). 선택 동의 없이는 보관하지 않습니다.",
                   "Used only to check your age (14 or older); not kept without an optional "
                   "consent."),
    "required_items": ("필수 항목", "Required items"),
    "required_note": ("서비스 제공에 꼭 필요한 항목으로, 계약 이행을 근거로 처리합니다.",
                      "Needed to provide the service; processed to perform the contract."),
    "optional_items": ("선택 동의 항목", "Optional items"),
    "optional_note": ("선택 항목에 동의하지 않아도 서비스 이용은 전혀 제한되지 않습니다.",
                      "Refusing optional items never restricts the service."),
    "optional_recorded": ("체크하지 않은 항목은 거부로 기록되며, 언제든 '내 동의'에서 바꿀 수 "
                          "있습니다.", "Items you leave unticked are recorded as refused; "
                          "you can change them at any time under My consents."),
    "purposes": ("이용 목적", "Purposes"),
    "retention": ("보유 기간", "Retention"),
    "submit_signup": ("가입하기", "Sign up"),
    "signed_up": ("가입되었습니다. 로그인해 주세요.", "You have signed up. Please log in."),
    "have_account": ("이미 회원이신가요?", "Already a member?"),
    "no_account": ("처음이신가요?", "New here?"),
    "logged_out": ("로그아웃되었습니다.", "You have logged out."),
    "category": ("항목", "Item"),
    "value": ("값", "Value"),
    "basis": ("처리 근거", "Lawful basis"),
    "collected": ("수집 방법", "How it was collected"),
    "held_as": ("보관", "Kept"),
    "edit": ("고치기", "Correct"),
    "save": ("저장", "Save"),
    "new_value": ("새 값", "New value"),
    "saved": ("고쳤습니다. 이전 값은 파기되었습니다.", "Corrected; the old value is destroyed."),
    "data_intro": ("회사가 회원관리 목적으로 가진 내 정보입니다. 각 항목의 목적, 근거, 수집 방법과 "
                   "보유 기간을 함께 보여 줍니다.", "The data we hold of you for member "
                   "management, with each item's purposes, lawful basis, how it was collected "
                   "and how long it is kept."),
    "data_all": ("모든 정보의 사본은 '권리 행사'에서 열람 요청으로 받을 수 있습니다.",
                 "For a copy of everything we hold, ask for access under My rights."),
    "no_values": ("보관 중인 값이 없습니다.", "No values held."),
    "flow": ("화면", "screen"),
    "default_retention": ("탈퇴하면 지체 없이 파기", "destroyed without delay when you close "
                          "your account"),
    "law_keeps": ("법령에 따라 보관", "kept by law"),
    "consent_status": ("상태", "Status"),
    "given": ("동의함", "Given"),
    "not_given": ("동의하지 않음", "Not given"),
    "give": ("동의하기", "Give consent"),
    "withdraw": ("동의 철회", "Withdraw consent"),
    "consent_history": ("기록", "History"),
    "answer.given": ("동의", "given"),
    "answer.refused": ("거부", "refused"),
    "answer.withdrawn": ("철회", "withdrawn"),
    "consent_saved": ("반영되었습니다.", "Saved."),
    "consents_intro": ("선택 항목마다 동의하거나 철회할 수 있습니다. 철회는 동의만큼 쉽고, 곧바로 "
                       "효력이 있습니다.", "Give or withdraw each optional item; withdrawing is "
                       "as easy as giving and takes effect at once."),
    "cookies_intro": ("쿠키 선택은 이 기기(브라우저)에 적용됩니다. 꼭 필요한 쿠키 외에는 동의한 "
                      "종류만 씁니다.", "Cookie choices apply to this device (browser). Only "
                      "strictly necessary cookies are used unless you accept others."),
    "cookies_open": ("쿠키 설정 열기", "Open cookie settings"),
    "cookies_nojs": ("쿠키 설정은 자바스크립트가 켜져 있어야 열립니다. 꺼져 있으면 필요한 쿠키 외에는 "
                     "쓰지 않습니다.", "The cookie settings need JavaScript; without it only "
                     "strictly necessary cookies are used."),
    "cookies_link": ("이 기기의 쿠키 선택은 쿠키 설정에서 바꿉니다.",
                     "Change this device's cookie choices in the cookie settings."),
    "rights_intro": ("내 정보의 열람, 이동(내려받기), 정정, 삭제 등을 요청할 수 있습니다. "
                     "비밀번호로 본인임을 확인하면 열람과 이동은 바로 처리됩니다.",
                     "Ask to see, take away (download), correct or erase your data. Confirmed "
                     "with your password, access and portability are carried out at once."),
    "right.access": ("열람", "Access"),
    "right.portability": ("이동(내려받기)", "Portability (download)"),
    "right.rectification": ("정정", "Rectification"),
    "right.erasure": ("삭제", "Erasure"),
    "right.restriction": ("처리정지", "Restriction"),
    "right.objection": ("반대", "Objection"),
    "right.automated_decision": ("자동화된 결정", "Automated decision"),
    "right.consent_withdrawal": ("동의 철회", "Consent withdrawal"),
    "ask": ("요청하기", "Ask"),
    "confirm_password": ("본인 확인(비밀번호)", "Confirm it is you (password)"),
    "my_requests": ("내 요청", "My requests"),
    "no_requests": ("요청이 없습니다.", "No requests."),
    "status": ("상태", "Status"),
    "status.received": ("접수", "received"),
    "status.verified": ("본인 확인됨", "verified"),
    "status.in_progress": ("처리 중", "in progress"),
    "status.extended": ("연장됨", "extended"),
    "status.completed": ("완료", "completed"),
    "status.refused": ("거절", "refused"),
    "status.cancelled": ("취소", "cancelled"),
    "received_at": ("접수일", "Received"),
    "due_at": ("기한", "Due"),
    "cancel": ("취소", "Cancel"),
    "download": ("내려받기", "Download"),
    "verify": ("본인 확인", "Verify"),
    "rectify_here": ("정정은 '내 정보'에서 바로 할 수 있습니다.", "Correct your data directly "
                     "under My data."),
    "erase_here": ("계정 전체의 삭제는 '회원 탈퇴'에서 합니다.", "To erase your whole account, "
                   "use Close my account."),
    "request_done": ("요청을 받았습니다.", "Your request is received."),
    "history_intro": ("누가 언제 어떤 목적으로 내 정보에 접근했는지 보여 줍니다.",
                      "Who accessed your data, when and for what."),
    "when": ("언제", "When"),
    "who": ("누가", "Who"),
    "what": ("무엇을", "What"),
    "why": ("목적", "Why"),
    "outcome": ("결과", "Outcome"),
    "no_history": ("기록이 없습니다.", "Nothing recorded."),
    "incidents_intro": ("내 정보가 관련된 유출 사고가 있으면 여기에 보입니다.",
                        "Breaches that involved your data are listed here."),
    "no_incidents": ("내 정보가 관련된 유출 사고는 없습니다.",
                     "No breach involved your data."),
    "notices_intro": ("개인정보 처리방침의 버전과 변경 공지입니다.",
                      "The versions of the privacy policy and the notices of change."),
    "version": ("버전", "Version"),
    "effective": ("시행일", "Effective"),
    "policy_in_force": ("현재 방침 보기", "Read the policy in force"),
    "read_version": ("이 버전 보기", "Read this version"),
    "read_notice": ("변경 내용 보기", "What changed"),
    "close_intro": ("탈퇴하면 내 정보는 지체 없이 파기됩니다. 다만 법령이 보관하게 하는 기록은 "
                    "그 기간 동안 분리 보관되며 다른 목적에 쓰이지 않습니다.",
                    "When you close your account your data is destroyed without delay. Records "
                    "a law makes us keep are held apart for that period and used for nothing "
                    "else."),
    "close_confirm": ("비밀번호를 입력해 탈퇴를 확인하세요.", "Enter your password to confirm."),
    "close_button": ("탈퇴하기", "Close my account"),
    "closed": ("탈퇴가 완료되었습니다.", "Your account is closed."),
    "receipt": ("탈퇴 확인서", "Closure receipt"),
    "destroyed": ("파기한 정보", "Destroyed"),
    "held": ("법령에 따라 보관하는 기록", "Held by law"),
    "nothing_held": ("법령에 따라 보관하는 기록은 없습니다.", "No record is held by law."),
    "until": ("보관 기한", "Until"),
    "law": ("근거 법령", "Law"),
    "count": ("건수", "Count"),
    "close_waits": ("탈퇴 요청을 받았습니다. 담당자가 처리합니다.",
                    "Your request is received; the privacy officer will carry it out."),
    "error_title": ("입력을 확인해 주세요", "Please check your input"),
    "fix": ("고치는 방법", "How to fix it"),
    "csrf": ("요청을 확인할 수 없습니다", "The request could not be checked"),
    "csrf_fix": ("페이지를 새로 고친 뒤 다시 시도해 주세요.", "Reload the page and try again."),
    "form_too_big": ("보낸 양식의 항목이 너무 많습니다", "The form sent has too many fields"),
    "form_too_big_fix": ("페이지를 새로 고친 뒤 이 페이지의 양식으로 다시 보내 주세요.",
                         "Reload the page and send its own form again."),
    "not_found": ("찾을 수 없습니다", "Not found"),
    "under_age": ("만 14세 미만은 가입할 수 없습니다", "You must be at least 14 to sign up"),
    # account security: email verification, password change and reset
    "verify_email": ("이메일 주소 확인", "Confirm your email address"),
    "verify_email_intro": ("아래 버튼을 누르면 이 이메일 주소가 내 계정의 주소임이 확인됩니다.",
                           "Press the button to confirm this email address is your account's."),
    "verify_email_button": ("이메일 주소 확인하기", "Confirm my email address"),
    "email_verified_done": ("이메일 주소가 확인되었습니다.", "Your email address is confirmed."),
    "email_unverified": ("이메일 주소가 아직 확인되지 않았습니다. 받은 메일의 링크를 열어 주세요.",
                         "Your email address is not confirmed yet: open the link in the email "
                         "we sent."),
    "email_is_verified": ("이메일 주소가 확인되었습니다.", "Your email address is confirmed."),
    "verify_send": ("확인 메일 다시 보내기", "Send the confirmation email again"),
    "verify_sent": ("확인 메일을 보냈습니다. 링크는 24시간 동안 한 번 쓸 수 있습니다.",
                    "The confirmation email is on its way; its link works once, for 24 hours."),
    "verify_again_where": ("로그인한 뒤 '내 계정'에서 확인 메일을 다시 받을 수 있습니다.",
                           "Log in and ask for a new confirmation email under My account."),
    "link_incomplete": ("링크가 완전하지 않습니다. 메일에 있는 링크 전체를 열어 주세요.",
                        "The link is incomplete: open the whole link from the email."),
    "password_change": ("비밀번호 변경", "Change my password"),
    "password_intro": ("비밀번호를 바꾸면 모든 기기에서 로그아웃됩니다. 이 브라우저는 새 비밀번호로 "
                       "로그인된 상태로 남습니다.", "Changing the password signs you out on every "
                       "device; this browser stays signed in with the new password."),
    "old_password": ("현재 비밀번호", "Current password"),
    "new_password": ("새 비밀번호", "New password"),
    "password_change_button": ("비밀번호 바꾸기", "Change the password"),
    "password_changed": ("비밀번호를 바꿨습니다. 다른 기기에서는 모두 로그아웃되었습니다.",
                         "Your password is changed; every other device is signed out."),
    "forgot": ("비밀번호 찾기", "Forgot my password"),
    "forgot_intro": ("가입한 이메일 주소를 입력하면 비밀번호를 다시 정하는 링크를 보내 드립니다.",
                     "Enter the email address you signed up with; we send it a link to set a "
                     "new password."),
    "forgot_button": ("재설정 링크 받기", "Send me the link"),
    "reset_sent": ("이 이메일 주소로 가입된 계정이 있으면 비밀번호 재설정 링크를 보냈습니다. 링크는 "
                   "1시간 동안 한 번 쓸 수 있습니다.", "If an account has this email address, a "
                   "link to reset its password was sent to it; it works once, for 1 hour."),
    "reset": ("비밀번호 재설정", "Reset my password"),
    "reset_intro": ("새 비밀번호를 정하세요. 바꾸면 모든 기기에서 로그아웃되고, 새 비밀번호로 다시 "
                    "로그인합니다.", "Choose a new password. Every device is signed out; then "
                    "log in with the new one."),
    "reset_button": ("새 비밀번호 저장", "Save the new password"),
    "reset_done": ("비밀번호를 바꿨습니다. 새 비밀번호로 로그인해 주세요.",
                   "Your password is changed. Log in with the new one."),
    "reset_again": ("새 재설정 링크 받기", "Get a new reset link"),
    # rights: each right's details, verification, the timeline
    "ask_a_right": ("권리 요청하기", "Ask for a right"),
    "ask_with_code": ("이메일 코드로 확인하고 요청", "Ask, confirming by an emailed code"),
    "erase_what": ("삭제할 항목", "What to erase"),
    "restrict_what": ("처리를 정지할 목적", "Which processing to restrict"),
    "all_processing": ("모든 처리", "All processing"),
    "restrict_why": ("사유", "Why"),
    "reason.accuracy-disputed": ("정보가 정확하지 않다고 다툼", "I dispute the data's accuracy"),
    "reason.lawfulness-disputed": ("처리가 적법하지 않다고 다툼",
                                   "I dispute the processing's lawfulness"),
    "reason.preserve-for-claims": ("법적 청구를 위해 보존이 필요함",
                                   "I need the data kept for a legal claim"),
    "reason.objection-pending": ("반대 요청의 결과를 기다리는 중", "My objection is pending"),
    "object_to": ("반대하는 처리 목적", "The purpose you object to"),
    "which_decision": ("자동화된 결정", "The automated decision"),
    "decision_action": ("요청 내용", "What you ask"),
    "action.explain": ("결정의 설명 요구", "Explain the decision to me"),
    "action.refuse": ("결정 거부(사람의 검토)", "Refuse the decision (a person decides)"),
    "which_consent": ("철회할 동의", "The consent to withdraw"),
    "withdraw_here": ("동의 철회는 '내 동의'에서 바로 할 수도 있습니다.",
                      "You can also withdraw a consent directly under My consents."),
    "timeline": ("처리 경과", "Timeline"),
    "by.staff": ("담당자", "by staff"),
    "by.system": ("자동 처리", "automatically"),
    "code": ("이메일로 받은 6자리 코드", "The 6-digit code from the email"),
    "code_hint": ("코드를 받지 않았다면 '코드 받기'를 누르세요. 10분 동안 쓸 수 있습니다.",
                  "No code yet? Press Send a code; it works for 10 minutes."),
    "send_code": ("코드 받기", "Send a code"),
    "done.request": ("요청을 받았습니다.", "Your request is received."),
    "done.code_sent": ("확인 코드를 이메일로 보냈습니다. 아래 요청에 코드를 입력해 주세요.",
                       "A code is on its way by email; enter it under the request below."),
    "done.verified": ("본인 확인이 끝났습니다.", "You are verified."),
    "done.cancelled": ("요청을 취소했습니다.", "The request is cancelled."),
    # connected accounts (P12.9)
    "connected": ("연결된 계정", "Connected accounts"),
    "connected_intro": ("앱에 연결한 Google 계정입니다. 연결을 끊으면 회사가 보관한 접근 토큰이 곧바로 "
                        "파기되고, Google에 권한 철회를 요청합니다.", "The Google account you "
                        "connected in the app. Revoking destroys the access tokens we hold at "
                        "once and asks Google to revoke the access."),
    "connection.none": ("연결되지 않음", "Not connected"),
    "connection.connected": ("연결됨", "Connected"),
    "connection.revoking": ("철회 진행 중", "Being revoked"),
    "connection.revoked": ("철회됨", "Revoked"),
    "connection.dead": ("철회 요청 실패(담당자가 다시 시도)", "Revocation failed (the officer "
                        "will retry)"),
    "connection_note.revoking": ("토큰은 이미 파기되었습니다. Google이 응답하지 않아 철회 요청을 "
                                 "자동으로 다시 보냅니다.", "The tokens are already destroyed. "
                                 "Google did not answer; the revocation is sent again "
                                 "automatically."),
    "connection_note.dead": ("Google이 철회 요청을 받지 않았습니다. 담당자가 다시 보내며, 아래 Google "
                             "권한 페이지에서 직접 철회할 수도 있습니다.", "Google did not take "
                             "the revocation. The privacy officer sends it again; you can also "
                             "revoke it yourself on Google's permissions page below."),
    "connected_at": ("연결한 때", "Connected"),
    "revoked_at": ("철회한 때", "Revoked"),
    "next_attempt": ("다음 시도", "Next attempt"),
    "revoke_explain": ("연결을 끊어도 서비스의 다른 기능은 그대로 쓸 수 있습니다.",
                       "Revoking does not change the rest of the service."),
    "revoke_button": ("연결 끊기(권한 철회)", "Revoke access"),
    "revoke_at_provider": ("Google 계정 권한 페이지", "Google account permissions page"),
    "provider_privacy": ("Google 개인정보처리방침", "Google privacy policy"),
    "no_integrations": ("연결할 수 있는 외부 계정이 없습니다.", "No account can be connected."),
    "connected_done.revoked": ("연결을 끊었습니다. 토큰은 파기되었고 Google도 권한을 철회했습니다.",
                               "Access is revoked: the tokens are destroyed and Google revoked "
                               "the access."),
    "connected_done.revoking": ("토큰을 파기했습니다. Google에 철회 요청을 다시 보내는 중입니다.",
                                "The tokens are destroyed; the revocation is being sent to "
                                "Google again."),
    # notices: mine, the versions' diffs
    "my_notices": ("나에게 온 알림", "My notices"),
    "no_my_notices": ("받은 알림이 없습니다.", "No notices for you."),
    "read": ("읽음", "read"),
    "unread": ("읽지 않음", "unread"),
    "mark_read": ("읽음으로 표시", "Mark as read"),
    "marked_read": ("읽음으로 표시했습니다.", "Marked as read."),
    "versions_and_changes": ("방침의 버전과 바뀐 내용", "Policy versions and what changed"),
    "first_version": ("처음 공개된 버전입니다.", "The first version published."),
    "wording_only": ("문구만 바뀌었으며 처리 내용의 변경은 없습니다.",
                     "Only the wording changed; what is processed and how did not."),
    "diff.added": ("추가된 내용", "Added"),
    "diff.removed": ("삭제된 내용", "Removed"),
    "diff.changed": ("바뀐 내용", "Changed"),
    "notice_board": ("공지사항", "Notice board"),
    # history: disclosures
    "disclosures": ("제3자 제공과 공개", "Disclosures to third parties and authorities"),
    "disclosures_intro": ("법령이 정한 경우(수사기관의 적법한 요구 등)에 내 정보를 제공·공개한 기록입니다. "
                          "법령이 알리는 것을 미루게 한 경우에는 그 기간이 끝난 뒤에 여기에 나타납니다.",
                          "When your data was disclosed where a law requires it (such as a lawful "
                          "request of an investigative authority). Where a law defers telling "
                          "you, it appears here once that period ends."),
    "no_disclosures": ("제공·공개한 기록이 없습니다.", "Nothing was disclosed."),
    "disclosed_by": ("처리한 사람", "Handled by"),
    "disclosed_to": ("받은 곳", "Disclosed to"),
    "disclosed_ground": ("근거", "Ground"),
    "disclosed_law": ("법령", "Law"),
    "disclosed_what": ("제공한 항목", "What was disclosed"),
    "all_accesses": ("모든 접근 기록", "Every access"),
    # incidents
    "incident_possible": ("유출 가능성", "possible breach"),
    "incident_discovered": ("알게 된 때", "Discovered"),
    "incident_data": ("관련된 내 정보 항목", "Your data involved"),
    "incident_no_notice": ("통지를 준비하고 있습니다.", "The notice is being prepared."),
    "incident_earlier": ("이전 통지", "Earlier notices"),
    "notice_issued": ("통지한 때", "Issued"),
    "incident_contact": ("문의할 곳(개인정보 보호책임자)", "Whom to contact (privacy officer)"),
    # cookie settings
    "cookie_uses": ("쓰임", "Used for"),
    "cookie_consent": ("동의", "Consent"),
    "cookie_needs_consent": ("동의한 경우에만 씁니다", "Used only if you accept"),
    "cookie_no_consent": ("꼭 필요하여 동의 없이 씁니다", "Strictly necessary: used without "
                          "consent"),
    "cookie_this_device": ("이 기기의 설정", "On this device"),
    "cookie_on": ("사용", "On"),
    "cookie_off": ("사용 안 함", "Off"),
    "cookie_chosen_at": ("선택한 때", "chosen"),
    "cookie_state.none": ("이 기기에서는 아직 선택하지 않았습니다. 꼭 필요한 쿠키만 씁니다.",
                          "No choice made on this device yet: only strictly necessary cookies "
                          "are used."),
    "cookie_state.recorded": ("이 기기에서 선택한 대로 적용하고 있습니다.",
                              "Your choice on this device applies."),
    "cookie_state.gpc": ("브라우저가 보내는 개인정보 보호 신호(GPC)에 따라 선택 쿠키를 쓰지 않습니다.",
                         "Your browser's Global Privacy Control signal applies: optional cookies "
                         "are off."),
    "cookie_state.policy_changed": ("방침에 새 쿠키 종류가 생겨 다시 선택해야 합니다. 그때까지 새 "
                                    "종류는 쓰지 않습니다.", "The policy has a new kind of "
                                    "cookie: choose again; until then it is off."),
    "cookie_gpc": ("GPC 신호를 존중합니다.", "The GPC signal is honoured."),
}

# Korean texts of the common rules: (error code, field) -> (message, fix). Field None: any.
_KO_ERRORS: dict[tuple[str, str | None], tuple[str, str]] = {
    ("authentication-failed", None): ("이메일 또는 비밀번호가 맞지 않습니다.",
                               "이메일과 비밀번호를 다시 확인해 주세요."),
    ("authentication-failed", "password"): ("비밀번호가 맞지 않습니다.", "비밀번호를 다시 입력해 주세요."),
    ("rate-limited", None): ("시도가 너무 많습니다.", "잠시 뒤에 다시 시도해 주세요."),
    ("validation", "email"): ("이메일 주소 형식이 아닙니다.", "name@example.com처럼 입력해 주세요."),
    ("validation", "phone"): ("휴대전화번호를 확인해 주세요.", "010-1234-5678처럼 입력해 주세요."),
    ("validation", "password"): ("비밀번호가 규칙에 맞지 않습니다.",
                                 "10자 이상으로, 추측하기 어렵게 정해 주세요."),
    ("validation", "birth_date"): ("생년월일을 확인해 주세요.", "YYYY-MM-DD 형식으로 입력해 주세요."),
    ("validation", "value"): ("값을 확인해 주세요.", "올바른 형식으로 다시 입력해 주세요."),
    ("conflict", "email"): ("이미 가입된 이메일입니다.", "로그인하거나 다른 이메일을 써 주세요."),
    ("conflict", "phone"): ("이미 가입된 휴대전화번호입니다.", "로그인하거나 다른 번호를 써 주세요."),
    ("conflict", None): ("지금 상태에서는 할 수 없습니다.", "페이지를 새로 고친 뒤 확인해 주세요."),
    ("under-minimum-age", None): ("만 14세 미만은 가입할 수 없습니다.",
                                  "법정대리인의 동의 절차는 고객센터에 문의해 주세요."),
    ("not-found", None): ("찾을 수 없습니다.", "목록에서 다시 골라 주세요."),
    ("authentication-failed", "old_password"): ("현재 비밀번호가 맞지 않습니다.",
                                                 "현재 비밀번호를 다시 입력하거나, 로그인 화면의 "
                                                 "'비밀번호 찾기'로 재설정해 주세요."),
    ("validation", "new_password"): ("새 비밀번호가 규칙에 맞지 않습니다.",
                                     "8자 이상으로 문자·숫자·기호 중 두 가지를 섞거나 10자 이상으로, "
                                     "흔하지 않고 지금 쓰지 않는 비밀번호를 정해 주세요."),
    ("validation", "token"): ("링크가 완전하지 않습니다.", "메일에 있는 링크 전체를 열어 주세요."),
    ("validation", "details.categories"): ("삭제할 항목을 고르지 않았습니다.",
                                           "항목을 하나 이상 고르세요. 모두 지우려면 회원 탈퇴를 "
                                           "하세요."),
    ("validation", "details.purpose"): ("처리 목적을 확인해 주세요.", "목록에서 목적을 골라 주세요."),
    ("validation", "details.reason"): ("사유를 확인해 주세요.", "목록에서 사유를 골라 주세요."),
    ("validation", "details.decision"): ("자동화된 결정을 확인해 주세요.",
                                         "목록에서 결정을 골라 주세요."),
    ("validation", "details.action"): ("요청 내용을 확인해 주세요.", "설명 요구 또는 거부를 골라 주세요."),
    ("validation", "details.consent"): ("동의 항목을 확인해 주세요.", "목록에서 항목을 골라 주세요."),
    ("not-found", "provider"): ("연결된 계정이 없습니다.", "페이지를 새로 고친 뒤 상태를 확인해 주세요."),
    ("validation", "notice_id"): ("알림을 찾을 수 없습니다.", "알림 옆의 버튼을 눌러 주세요."),
    ("not-found", "notice_id"): ("알림을 찾을 수 없습니다.", "페이지를 새로 고친 뒤 알림 옆의 버튼을 눌러 주세요."),
    ("validation", "code"): ("코드는 숫자 6자리입니다.", "이메일로 받은 6자리 숫자를 입력해 주세요."),
    ("authentication-failed", "code"): ("코드가 맞지 않습니다.",
                                        "이메일의 코드를 다시 확인하거나 새 코드를 받아 주세요."),
    # the staff console's lookups and views (purposes and processor tasks, P7.5, P10.1)
    ("purpose-required", "purpose"): ("목적을 고르지 않았습니다.",
                                      "목록에서 이 처리의 목적을 하나 고른 뒤 다시 보내 주세요."),
    ("actor-not-allowed", "purpose"): ("이 역할로는 그 목적의 처리를 할 수 없습니다.",
                                       "역할이 허용하는 목적을 고르세요."),
    ("processor-task-required", "task"): ("업무를 고르지 않았거나 내 업무가 아닙니다.",
                                          "위탁받은 업무 중 하나를 고르세요."),
    ("outside-processor-task", "task"): ("고른 업무의 범위 밖입니다.",
                                         "그 정보를 다루는 업무를 고르거나, 개인정보 "
                                         "보호책임자에게 요청하세요."),
    ("not-processor-staff", None): ("수탁사 직원의 화면입니다.", "역할이 허용하는 화면을 쓰세요."),
    ("validation", "seq"): ("일련번호는 숫자입니다.", "보고서나 기록 목록의 일련번호를 입력하세요."),
    ("validation", "month"): ("달을 확인해 주세요.", "YYYY-MM 형식으로 입력하세요. 예: 2026-11"),
    ("not-found", "seq"): ("그 기록이 없거나 아직 서명 전입니다.",
                           "일련번호를 확인하거나, 서명(체크포인트) 뒤에 다시 보세요."),
}

# Texts of one page's errors, before the common ones: (page, error code, field).
_KO_PAGE_ERRORS: dict[tuple[str, str, str | None], tuple[str, str]] = {
    ("verify_email", "not-found", "token"): (
        "이 링크는 쓸 수 없습니다. 이미 썼거나, 24시간이 지났거나, 새 링크로 바뀌었습니다.",
        "로그인한 뒤 '내 계정'에서 확인 메일을 다시 받아 주세요."),
    ("verify_email", "conflict", "token"): (
        "링크를 보낸 뒤 이메일 주소가 바뀌었습니다.", "바뀐 주소로 확인 메일을 다시 받아 주세요."),
    ("reset", "not-found", "token"): (
        "이 링크는 쓸 수 없습니다. 이미 썼거나, 1시간이 지났거나, 새 링크로 바뀌었습니다.",
        "'비밀번호 찾기'에서 새 링크를 받아 주세요."),
    ("home", "conflict", "email"): (
        "확인 메일을 보낼 수 없습니다. 이미 확인된 주소이거나 계정에 이메일이 없습니다.",
        "'내 정보'에서 이메일 주소를 확인해 주세요."),
    ("rights", "validation", "password"): (
        "본인 확인에 비밀번호가 필요합니다.", "비밀번호를 입력하거나, 이메일 코드로 확인하고 요청하세요."),
    ("rights", "conflict", "code"): (
        "이 코드는 더 쓸 수 없습니다(만료되었거나 새 코드로 바뀜).", "'코드 받기'로 새 코드를 받아 주세요."),
    ("console/members_lookup", "not-found", "value"): (
        "그 이메일이나 휴대전화번호를 가진 이용 중인 회원이 없습니다.",
        "철자를 확인하세요. 삭제된 회원은 찾을 수 없습니다."),
    ("console/tasks_lookup", "not-found", "value"): (
        "그 이메일이나 휴대전화번호를 가진 이용 중인 회원이 없습니다.",
        "철자를 확인하세요. 삭제된 회원은 찾을 수 없습니다."),
    ("forgot", "validation", "email"): (
        "이메일 주소 형식이 아닙니다.", "가입할 때 쓴 이메일 주소를 name@example.com처럼 입력해 주세요."),
    # the console's staff page (yaksok.web.console.staff)
    ("console/staff_accounts", "validation", "username"): (
        "사용자 이름 형식이 맞지 않습니다.",
        "영문 소문자로 시작하는 2~64자(소문자, 숫자, . _ -)로 써 주세요. 예: kim.minji"),
    ("console/staff_accounts", "validation", "role"): (
        "처리방침에 없는 역할입니다.", "목록에서 역할을 골라 주세요."),
    ("console/staff_accounts", "conflict", "username"): (
        "이미 있는 사용자 이름입니다.", "다른 사용자 이름을 골라 주세요."),
    ("console/staff_reset", "validation", "confirmed"): (
        "요청한 사람을 확인했다는 표시가 필요합니다.",
        "요청한 사람이 이 계정의 주인인지 확인한 뒤 상자를 선택해 주세요."),
    ("console/staff_reset", "validation", "totp"): (
        "초기화할 것을 고르지 않았습니다.", "인증 앱, 비밀번호 또는 둘 다를 골라 주세요."),
    ("console/staff_reset", "conflict", "username"): (
        "이 계정은 초기화할 수 없습니다: 자기 계정이거나 비활성화된 계정입니다.",
        "자기 계정은 다른 보호책임자에게 부탁하고, 내 비밀번호는 '비밀번호 변경'에서 바꿉니다. "
        "비활성화된 계정 대신 새 계정을 만드세요."),
}


def pick_lang(value: str | None) -> str:
    """The page's language: ``en`` when asked for, Korean otherwise."""
    return "en" if value == "en" else "ko"


def t(lang: str, key: str) -> str:
    ko, en = TEXTS[key]
    return ko if lang == "ko" else en


def error_text(exc: YaksokError, lang: str, page: str | None = None, *,
               detail: bool = False) -> tuple[str, str | None]:
    """(message, fix) of ``exc`` in ``lang``: Korean texts for the page's own errors (``page``:
    the template's name) and the common rules, the core's English otherwise (never a value: the
    core's messages carry none). ``detail`` (the staff console): a rule without Korean words
    keeps the core's own message and fix beside the Korean kind of error, so staff learn which
    rule refused and how to go on."""
    if lang == "ko":
        if (page, exc.code, exc.field) in _KO_PAGE_ERRORS:
            return _KO_PAGE_ERRORS[(page, exc.code, exc.field)]
        code = getattr(exc, "rule", None) or exc.code
        for key in ((code, exc.field), (exc.code, exc.field), (code, None), (exc.code, None)):
            if key in _KO_ERRORS:
                return _KO_ERRORS[key]
        # A rarer rule: the nearest kind of error in Korean, never the core's English on a
        # Korean page (the field is still marked on the form).
        for kind in type(exc).__mro__:
            found = _KO_KINDS.get(getattr(kind, "code", None))
            if found and detail:
                return (f"{found[0]} ({exc.message})",
                        f"{found[1]} ({exc.fix})" if exc.fix else found[1])
            if found:
                return found
    return exc.message, exc.fix


#: Korean for each kind of core error (``yaksok.errors``), for the rules without a text above.
_KO_KINDS: dict[str, tuple[str, str]] = {
    "validation": ("입력한 내용을 확인해 주세요.", "표시된 항목을 고쳐 다시 보내 주세요."),
    "not-found": ("찾을 수 없습니다.", "페이지를 새로 고친 뒤 다시 골라 주세요."),
    "conflict": ("지금 상태에서는 할 수 없습니다.", "페이지를 새로 고친 뒤 확인해 주세요."),
    "auth": ("로그인이 필요합니다.", "다시 로그인해 주세요."),
    "authentication-failed": ("확인에 실패했습니다.", "입력한 내용을 다시 확인해 주세요."),
    "permission-denied": ("이 요청은 할 수 없습니다.", "개인정보 보호책임자에게 문의해 주세요."),
    "rate-limited": ("시도가 너무 많습니다.", "잠시 뒤에 다시 시도해 주세요."),
    "collection-refused": ("개인정보 처리방침이 허용하지 않는 수집입니다.",
                           "필요한 동의를 하거나 그 항목을 빼고 다시 보내 주세요."),
    "processing-refused": ("개인정보 처리방침이 허용하지 않는 처리입니다.",
                           "요청 내용을 확인하거나 개인정보 보호책임자에게 문의해 주세요."),
    "refused": ("개인정보 처리방침에 따라 할 수 없는 요청입니다.",
                "요청 내용을 확인하거나 개인정보 보호책임자에게 문의해 주세요."),
    "error": ("요청을 처리하지 못했습니다.",
              "잠시 뒤에 다시 시도하거나 개인정보 보호책임자에게 문의해 주세요."),
}
