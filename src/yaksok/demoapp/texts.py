"""The demo's words, Korean first, English with ``?lang=en``. Only the demo's own wording: the
notices of the consent items and the labels of what is collected come from the policy
(``GET /policy?format=json``), so they are the words the privacy policy states."""

from __future__ import annotations

LANGS = ("ko", "en")

TEXTS: dict[str, dict[str, str]] = {
    "ko": {
        "site": "소소노래 데모",
        "skip": "본문으로 건너뛰기",
        "demo_banner": "데모입니다. 여기서 만든 회원과 데이터는 모두 데모 데이터이며, 이메일은 "
                       "@{domain} 주소만 받습니다.",
        "nav_home": "처음", "nav_signup": "회원가입", "nav_login": "로그인", "nav_post": "노래 올리기",
        "nav_pay": "결제", "nav_cashout": "SSG 출금", "nav_center": "개인정보 센터",
        "logout": "로그아웃",
        "footer_policy": "개인정보 처리방침", "footer_cookies": "쿠키 설정",
        "footer_center": "내 정보와 권리(개인정보 센터)", "other_lang": "English",
        "home_title": "yaksok 연동 데모",
        "home_lead": "SOMESING 같은 노래 앱이 yaksok을 REST API와 쿠키 배너만으로 쓰는 모습입니다. "
                     "이 앱은 개인정보를 한 글자도 갖고 있지 않습니다. 화면마다 yaksok에 묻고 "
                     "맡깁니다.",
        "home_table": "화면과 yaksok 호출",
        "col_action": "화면", "col_call": "REST 호출", "col_code": "코드",
        "home_code": "코드는 src/yaksok/demoapp/에 있습니다. client.py가 모든 REST 호출이고, "
                     "app.py가 화면입니다. 안내: docs/integrate.md의 \"데모 앱\".",
        "signed_in": "로그인한 회원: {member} (관할 {jurisdiction})",
        "consents_now": "지금 유효한 선택 동의: {consents}",
        "none": "없음",
        "my_posts": "내가 올린 글",
        "no_posts": "아직 올린 글이 없습니다.",
        "read_note": "API 키로 목적 contract_performance를 밝혀 읽었습니다(GET /members/{id}/values). "
                     "이 열람은 yaksok의 접근 기록에 남습니다.",
        "rights_note": "내 정보 열람·정정·삭제·처리정지·탈퇴는 개인정보 센터에서 할 수 있습니다.",
        "done_signed_up": "가입했습니다. 선택 항목의 동의와 거부가 모두 기록되었습니다.",
        "done_logged_in": "로그인했습니다.",
        "done_logged_out": "로그아웃했습니다.",
        "done_posted": "노래를 올렸습니다. 흐름 posting으로 수집되었습니다.",
        "signup_title": "회원가입",
        "signup_lead": "한국형 가입 화면입니다(docs/signup.md). 제출하면 POST /members 한 번으로 "
                       "가입됩니다.",
        "email": "이메일(아이디)",
        "email_hint": "데모 회원은 @{domain} 주소만 씁니다. 아이디만 적으면 붙여 드립니다.",
        "password": "비밀번호",
        "password_hint": "영문·숫자·기호 중 두 가지를 섞어 8자 이상, 또는 10자 이상.",
        "phone": "휴대폰 번호", "phone_hint": "예: 010-1234-5678 (데모에는 지어낸 번호를 쓰세요)",
        "birth_date": "생년월일", "birth_hint": "만 14세 이상인지 확인하는 데만 씁니다. "
                                               "SNS 로그인 동의가 없으면 보관하지 않습니다.",
        "required_box": "[필수] 개인정보 수집·이용 안내",
        "required_text": "서비스 제공(계약 이행)에 꼭 필요한 항목입니다. 동의가 아니라 안내이므로 "
                         "체크박스가 없습니다: {items}",
        "optional_box": "[선택] 동의 항목",
        "optional_text": "체크하지 않아도 가입과 서비스 이용에 제한이 없습니다. 체크하지 않은 항목은 "
                         "거부로 기록됩니다.",
        "optional_fields": "[선택] SNS 로그인 동의 시 받는 항목",
        "name": "이름", "gender": "성별", "gender_none": "선택 안 함",
        "gender_female": "여성", "gender_male": "남성",
        "join_reason": "가입 경로 (이용자 분석 동의 시)", "join_none": "선택 안 함",
        "join_friend": "친구 추천", "join_ad": "광고", "join_search": "검색",
        "signup_submit": "가입하기",
        "login_title": "로그인", "login_submit": "로그인",
        "login_lead": "POST /members/login으로 받은 회원 세션을 이 앱의 쿠키에 둡니다(HttpOnly, "
                      "SameSite=Strict). 쿠키에는 개인정보가 없습니다.",
        "need_login": "먼저 로그인하세요.",
        "post_title": "노래 올리기",
        "post_lead": "API 키로 흐름 posting의 항목을 수집합니다(POST /members/{id}/values/batch).",
        "flow_collects": "이 화면이 정책의 흐름 {flow}로 수집하는 항목: {items}",
        "caption": "글", "caption_hint": "노래와 함께 올릴 글",
        "song": "녹음", "post_submit": "올리기",
        "pay_title": "결제",
        "pay_lead": "결제 정보를 흐름 payment로 수집하고, 전자상거래법이 5년 보관하게 하는 결제 "
                    "기록을 보관 기록으로 남깁니다(POST /members/{id}/records). 카드 번호는 받지 "
                    "않습니다.",
        "product": "상품", "method": "결제수단", "pay_submit": "결제하기",
        "paid": "결제했습니다. 결제 기록은 탈퇴해도 분리 보관되고 {until}에 파기됩니다.",
        "held_id": "보관 기록 번호: {id}",
        "cashout_title": "SSG 출금",
        "cashout_lead": "SSG(노래 포인트)를 현금으로 바꾸려면 본인 확인이 필요합니다. 정책의 흐름 "
                        "ssg_cashout이 요구하는 실명, 생년월일, 휴대폰 번호를 수집합니다.",
        "amount": "출금할 SSG", "amount_hint": "출금 내역은 SSG 이용 내역(user.behavior.ssg_usage)으로 "
                                               "자동 수집됩니다.",
        "already_held": "이미 받은 항목은 다시 묻지 않습니다(회원당 하나): {items}",
        "bad_amount": "출금할 SSG는 1에서 1,000,000 사이의 정수입니다.",
        "bad_amount_fix": "숫자만 적으세요.",
        "cashout_submit": "출금 신청",
        "done_cashed_out": "출금을 신청했습니다. 필요한 항목과 출금 내역이 흐름 ssg_cashout으로 "
                      "수집되었습니다.",
        "problem": "yaksok이 요청을 거절했습니다",
        "problem_field": "항목", "problem_fix": "고치는 방법", "problem_rid": "요청 번호",
        "bad_origin": "다른 사이트에서 보낸 요청은 받지 않습니다.",
        "bad_origin_fix": "이 데모 페이지에서 다시 제출하세요.",
        "bad_email": "데모 회원의 이메일은 @{domain} 주소여야 합니다.",
        "bad_email_fix": "아이디만 적거나 이름@{domain} 형식으로 적으세요.",
        "bad_choice": "목록에 없는 값입니다.",
        "bad_choice_fix": "목록에서 고르세요.",
        "a_signup": "회원가입", "a_login": "로그인", "a_post": "노래 올리기", "a_pay": "결제",
        "a_cashout": "SSG 출금", "a_banner": "쿠키 배너", "a_center": "권리 행사",
        "center_call": "yaksok의 개인정보 센터 /center/",
    },
    "en": {
        "site": "Sosonorae demo",
        "skip": "Skip to the content",
        "demo_banner": "This is a demo. Every member and value made here is demo data; only "
                       "addresses under @{domain} are accepted.",
        "nav_home": "Home", "nav_signup": "Sign up", "nav_login": "Log in",
        "nav_post": "Post a song", "nav_pay": "Pay", "nav_cashout": "SSG cash-out",
        "nav_center": "Privacy center", "logout": "Log out",
        "footer_policy": "Privacy policy", "footer_cookies": "Cookie settings",
        "footer_center": "My data and rights (privacy center)", "other_lang": "한국어",
        "home_title": "The yaksok integration demo",
        "home_lead": "A singing app like SOMESING using yaksok through its REST API and the "
                     "cookie banner only. This app holds no personal data at all: each page "
                     "asks yaksok, or hands it over.",
        "home_table": "Pages and their yaksok calls",
        "col_action": "Page", "col_call": "REST call", "col_code": "Code",
        "home_code": "The code is in src/yaksok/demoapp/: client.py is every REST call, app.py "
                     "the pages. Guide: \"The demo app\" in docs/integrate.md.",
        "signed_in": "Signed in: {member} (jurisdiction {jurisdiction})",
        "consents_now": "Optional consents in force: {consents}",
        "none": "none",
        "my_posts": "My posts",
        "no_posts": "No posts yet.",
        "read_note": "Read with the API key for the purpose contract_performance "
                     "(GET /members/{id}/values); the read is in yaksok's access log.",
        "rights_note": "See, correct, erase or restrict your data, or close your account, in "
                       "the privacy center.",
        "done_signed_up": "Signed up. Every optional item was recorded as given or refused.",
        "done_logged_in": "Logged in.",
        "done_logged_out": "Logged out.",
        "done_posted": "Posted. Collected in the flow posting.",
        "signup_title": "Sign up",
        "signup_lead": "A Korean sign-up form (docs/signup.md); submitting it is one call, "
                       "POST /members.",
        "email": "Email (login ID)",
        "email_hint": "Demo members use addresses under @{domain}; type just a name and it is "
                      "added.",
        "password": "Password",
        "password_hint": "At least 8 characters of two kinds (letters, digits, symbols), or 10 of one.",
        "phone": "Mobile number", "phone_hint": "e.g. 010-1234-5678 (use a made-up number)",
        "birth_date": "Date of birth", "birth_hint": "Only to check you are 14 or older; kept "
                                                     "only with the SNS sign-in consent.",
        "required_box": "[Required] Collection and use",
        "required_text": "What the service needs to run (the contract). This is information, "
                         "not consent, so there is no box to tick: {items}",
        "optional_box": "[Optional] Consent items",
        "optional_text": "Leaving them unticked restricts nothing. Items left unticked are "
                         "recorded as refused.",
        "optional_fields": "[Optional] Taken with the SNS sign-in consent",
        "name": "Name", "gender": "Gender", "gender_none": "Not given",
        "gender_female": "Female", "gender_male": "Male",
        "join_reason": "How you found us (with the user-analysis consent)",
        "join_none": "Not given", "join_friend": "A friend", "join_ad": "An advert",
        "join_search": "A search",
        "signup_submit": "Sign up",
        "login_title": "Log in", "login_submit": "Log in",
        "login_lead": "The member session from POST /members/login lives in this app's cookie "
                      "(HttpOnly, SameSite=Strict); the cookie holds no personal data.",
        "need_login": "Log in first.",
        "post_title": "Post a song",
        "post_lead": "The API key collects the flow posting's items "
                     "(POST /members/{id}/values/batch).",
        "flow_collects": "What this page collects in the policy's flow {flow}: {items}",
        "caption": "Text", "caption_hint": "What you say with the song",
        "song": "Recording", "post_submit": "Post",
        "pay_title": "Pay",
        "pay_lead": "The payment is collected in the flow payment, and the payment record the "
                    "e-commerce act keeps for five years is written as a held record "
                    "(POST /members/{id}/records). No card number is taken.",
        "product": "Product", "method": "Payment method", "pay_submit": "Pay",
        "paid": "Paid. The payment record survives account closure in separated storage and "
                "is destroyed on {until}.",
        "held_id": "Held record: {id}",
        "cashout_title": "SSG cash-out",
        "cashout_lead": "Turning SSG (song points) into cash needs your identity: the flow "
                        "ssg_cashout of the policy collects your real name, date of birth and "
                        "mobile number.",
        "amount": "SSG to cash out", "amount_hint": "The cash-out is collected automatically as "
                                                    "SSG usage (user.behavior.ssg_usage).",
        "already_held": "What yaksok already holds is not asked again (one per member): {items}",
        "bad_amount": "The SSG to cash out is a whole number from 1 to 1,000,000.",
        "bad_amount_fix": "Type digits only.",
        "cashout_submit": "Request cash-out",
        "done_cashed_out": "Cash-out requested. What it needs and the cash-out itself were "
                      "collected in the flow ssg_cashout.",
        "problem": "yaksok refused the request",
        "problem_field": "Field", "problem_fix": "How to fix it", "problem_rid": "Request id",
        "bad_origin": "A request sent from another site is not accepted.",
        "bad_origin_fix": "Submit the form again from this demo's page.",
        "bad_email": "A demo member's email must be an address under @{domain}.",
        "bad_email_fix": "Type just a name, or name@{domain}.",
        "bad_choice": "Not one of the choices.",
        "bad_choice_fix": "Pick one from the list.",
        "a_signup": "Sign up", "a_login": "Log in", "a_post": "Post a song", "a_pay": "Pay",
        "a_cashout": "SSG cash-out", "a_banner": "Cookie banner", "a_center": "Rights",
        "center_call": "yaksok's privacy center /center/",
    },
}

#: Demo songs: the posted media is a reference to a recording, never the file itself.
SONGS = {
    "arirang": {"ko": "아리랑", "en": "Arirang"},
    "doraji": {"ko": "도라지 타령", "en": "Doraji taryeong"},
    "gohyang": {"ko": "고향의 봄", "en": "Spring in my hometown"},
}
PRODUCTS = {
    "coins-100": {"ko": "노래 코인 100개 (1,100원)", "en": "100 song coins (₩1,100)"},
    "vip-month": {"ko": "VIP 1개월 (9,900원)", "en": "VIP, one month (₩9,900)"},
}
METHODS = {
    "card": {"ko": "신용·체크카드", "en": "Credit or debit card"},
    "kakaopay": {"ko": "카카오페이", "en": "KakaoPay"},
    "mobile": {"ko": "휴대폰 결제", "en": "Mobile carrier billing"},
}
GENDERS = ("female", "male")
JOIN_REASONS = ("friend", "ad", "search")
