"""The facts of the seed policy that every rendering of the privacy policy must carry.

Transcribed by hand from the seed (``../shared/seed/000_7e774f6c6920f5be.txt``), section by
section, and never derived from ``policies/somesing.yaml``: when the policy file drops or changes
one of these, ``tests/policy/test_render_facts.py`` fails.

A :class:`Fact` holds

``kind``
    what it is (``item``, ``purpose``, ``retention``, ...);
``ko``
    what the Korean rendering must contain: a string, or a tuple of strings that must all stand on
    one line of the Markdown rendering (one row or list item of the HTML one);
``en_any``
    what the English rendering must contain: any one of these strings (or tuples).

Comparison removes all whitespace on both sides (the seed writes "3 년" and "관한기록", the facts
the natural "3년" and "관한 기록") and ignores case, except for acronyms (a part that is only
capital letters, like "COO" or "EU", must match exactly: "COO" is not the start of "cookies").
The facts spell the seed's words the natural way and stay short: a distinctive part, not a
sentence. The English wording is not fixed by the seed, so ``en_any`` offers the usual ways to
say the same thing, and language-neutral tokens (phone, email, "BTC Korea Service", "14",
"5 years") where there are some.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product

Needle = str | tuple[str, ...]


@dataclass(frozen=True)
class Fact:
    kind: str
    ko: Needle
    en_any: tuple[Needle, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "en_any", tuple(self.en_any))
        if not self.en_any:
            raise ValueError(f"fact {self.ko!r} has no English form")

    def label(self) -> str:
        return " + ".join(self.ko) if isinstance(self.ko, tuple) else self.ko


def rows(*parts: Sequence[str]) -> list[tuple[str, ...]]:
    """Every combination of the alternatives of each part: one line must hold one combination."""
    return [tuple(combo) for combo in product(*parts)]


_FIVE_YEARS = ["5 years", "five years"]
_THREE_YEARS = ["3 years", "three years"]
_E_COMMERCE_ACT = ["Electronic Commerce", "E-Commerce", "Consumer Protection"]
_COMMUNICATIONS_SECRETS_ACT = ["Communications Secre", "Communication Secre"]

# One fact a line: easier to compare with the seed than the formatter's layout.
# fmt: off
FACTS: list[Fact] = [
    # --- preamble: controller, service, dates, how revisions are announced (P0.1, P11.1) ---
    Fact("controller", "이멜벤처스", ["EMEL Ventures", "Emelventures"]),
    Fact("controller", "SOMESING", ["SOMESING"]),
    Fact("date", "2021년 11월 3일", ["2021-11-03", "November 3, 2021", "3 November 2021", "Nov 3, 2021", "3 Nov 2021"]),
    Fact("notice", "공지사항", ["notice board", "noticeboard", "announce"]),
    Fact("notice", "개별공지", ["individual notice", "individually", "notify you directly", "notice to each", "notify each"]),
    # --- 1(1) required items (P1.1-P1.3) ---
    Fact("collection", "필수", ["required", "mandatory"]),
    Fact("item", "로그인ID", ["login ID", "log-in ID", "sign-in ID", "login email"]),
    Fact("item", "비밀번호", ["password"]),
    Fact("item", "휴대전화번호", ["mobile phone number", "phone number", "mobile number", "cell phone number"]),
    Fact("item", "콘텐츠", ["content"]),
    Fact("item", "포스팅", ["post"]),
    Fact("item", "SNS ID", ["SNS ID", "SNS account ID", "social network ID", "social media ID"]),
    Fact("item", "SNS 이름", ["SNS name", "SNS display name", "SNS user name", "SNS username", "social network name"]),
    Fact("item", "닉네임", ["nickname"]),
    Fact("item", "SSG 출금", ["SSG withdrawal", "SSG cash-out", "SSG cash out", "SSG cashout", "cash out SSG", "withdraw SSG", "withdrawing SSG", "cashing out"]),
    Fact("item", "실명", ["real name", "legal name", "full name"]),
    Fact("item", "생년월일", ["date of birth", "birth date", "birthdate", "birthday"]),
    # --- 1(1) collected while the service is used (P1.4-P1.8) ---
    Fact("collection", "서비스 이용 과정에서", ["while using", "while you use", "while the service is used", "in the course of", "during use", "when using", "as you use", "collected automatically", "automatically collected", "use of the service"]),
    Fact("item", "기기정보", ["device information", "device data", "device info"]),
    Fact("item", "기기 식별자", ["device identifier", "device ID"]),
    Fact("item", "운영 체제", ["operating system"]),
    Fact("item", "하드웨어 버전", ["hardware version"]),
    Fact("item", "기기 설정", ["device setting"]),
    Fact("item", "브라우저의 유형", ["browser type", "type of browser", "types of browser", "kind of browser", "browser kind"]),
    Fact("item", "앱의 사용 정보", ["app usage", "app use", "usage of the app", "use of the app", "application usage"]),
    Fact("item", "로그정보", ["log information", "log data", "log info"]),
    Fact("item", "IP 주소", ["IP address", "Internet Protocol"]),
    Fact("item", "로그 데이터", ["log data", "log records", "log record"]),
    Fact("item", "이용 시간", ["time of use", "times of use", "usage time", "access time", "time of access", "times of access", "time spent"]),
    Fact("item", "검색어", ["search term", "search quer", "search keyword", "search word"]),
    Fact("item", "쿠키", ["cookie"]),
    Fact("item", "파일 생성 날짜", ["file creation date", "file creation time", "date of file creation", "date files were created", "file created"]),
    Fact("item", "이용정보", ["usage information", "usage data", "usage info", "use information"]),
    Fact("item", "프로필 사진", ["profile photo", "profile picture", "profile image"]),
    Fact("item", "콘텐츠의 유형", ["type of content", "types of content", "content type", "kind of content", "kinds of content"]),
    Fact("item", "공유하는 사람들", ["interact", "share with", "shares with", "shared with", "share content with", "sharing with"]),
    Fact("item", "활동 빈도", ["frequency", "how often"]),
    Fact("item", "동영상 촬영 장소", ["recording location", "filming location", "shooting location", "location of video", "where video", "where the video", "where a video", "video location", "place of recording", "place where"]),
    Fact("item", "결제 기록", ["payment record", "payment history"]),
    Fact("item", "SSG 사용 기록", ["SSG usage", "SSG use", "use of SSG"]),
    Fact("item", "SNS 친구 목록", ["friend list", "friends list", "list of friends", "friend lists"]),
    Fact("item", "국가 정보", ["country"]),
    Fact("item", "결제정보", ["payment information", "payment data", "payment details", "payment info"]),
    Fact("item", "이용자의 ID", ["user ID", "user's ID", "member ID"]),
    Fact("item", "결제수단 종류", ["payment method", "means of payment", "method of payment"]),
    Fact("item", "거래 ID", ["transaction ID"]),
    Fact("item", "결제상품코드", ["product code"]),
    Fact("item", "할인 정보", ["discount"]),
    Fact("item", "기타정보", ["other information", "other data", "other info", "miscellaneous"]),
    Fact("item", "선호도", ["preference"]),
    Fact("item", "광고 환경", ["advertising environment", "ad environment", "advertisement environment", "advertising setting", "ad setting"]),
    Fact("item", "방문하는 페이지", ["pages visited", "visited pages", "pages you visit", "pages the user visits", "pages users visit", "pages they visit", "pages viewed"]),
    # --- 1(1) optional items, and refusing them (P1.9-P1.12) ---
    Fact("collection", "선택", ["optional"]),
    Fact("collection", ("거부", "서비스 이용에 제한"), rows(["refus", "declin", "not consent", "not agree", "withhold"], ["not restrict", "never restrict", "never limit", "no restriction", "not limit", "no limit", "without restriction", "without limit", "not be restricted", "not be limited", "not affect", "still use"])),
    Fact("item", "SNS Sign in", ["SNS sign in", "SNS sign-in", "SNS login", "SNS log-in", "sign in with", "sign-in with", "log in with", "login with"]),
    Fact("item", "성별", ["gender", "sex"]),
    Fact("item", "이용자 분석", ["user analysis", "analysing users", "analyzing users", "user analytics", "analysis of users", "analysis of user"]),
    Fact("item", "가입하신 사유", ["reason for joining", "reasons for joining", "reason for signing up", "reason for registering", "reason for registration", "why you joined", "why the member joined", "why they joined", "joining reason"]),
    Fact("item", "관심 카테고리", ["interest categor", "categories of interest", "category of interest", "interests"]),
    Fact("item", "SNS 계정 정보", ["SNS account"]),
    Fact("item", "맞춤화된 광고", ["customised advertising", "customized advertising", "tailored advertising", "personalised advertising", "personalized advertising", "customised ads", "customized ads", "tailored ads", "personalised ads", "personalized ads", "targeted advertising", "targeted ads"]),
    Fact("item", "마케팅 활동", ["marketing activit"]),
    Fact("item", "이벤트 참여", ["event participation", "participation in event", "taking part in event", "event entr", "event attendance"]),
    # --- 1(2) collection channels (P1.13) ---
    Fact("channel", "웹페이지", ["web page", "webpage", "website", "web site"]),
    Fact("channel", "서면 양식", ["written form", "paper form", "form in writing", "forms in writing"]),
    Fact("channel", "팩스", ["fax"]),
    Fact("channel", "전화", ["phone"]),
    Fact("channel", "이메일", ["email", "e-mail"]),
    Fact("channel", "생성정보 수집 툴", ["collection tool", "automatic collection", "automated collection", "collecting tool", "generated information"]),
    # --- 2 purposes (P2.1-P2.9), in the order of the seed ---
    Fact("purpose", "부정 이용", ["fraudulent use", "unauthorised use", "unauthorized use", "fraud prevention", "preventing fraud", "fraud detection", "detecting and preventing", "detection and prevention", "misuse"]),
    Fact("purpose", "요금 정산", ["settlement", "settling", "billing"]),
    Fact("purpose", "신규 서비스 개발", ["new service", "develop new", "developing new", "development of new", "developing services", "development of services", "service development", "new feature", "new product"]),
    Fact("purpose", "정책 변경사항", ["policy change", "changes to polic", "changes to the polic", "changes in polic", "changes to our polic", "changes to feature", "feature change"]),
    Fact("purpose", "사전 동의", ["prior consent", "consent in advance", "consented in advance", "agreed in advance", "prior agreement", "consent beforehand", "agreed to beforehand", "consented to beforehand"]),
    Fact("purpose", "사회 관계", ["social relation", "social connection", "social graph", "social network of", "acquaintance"]),
    Fact("purpose", "통계학적 특성", ["statistical characteristic", "statistical trait", "statistical feature", "statistical attribute", "statistical propert", "statistical profile"]),
    Fact("purpose", "홍보성 이벤트", ["promotional event", "promotion"]),
    Fact("purpose", "준거법", ["governing law", "applicable law"]),
    # --- 3 lawful bases (P3.1) and use for another purpose (P3.2) ---
    Fact("basis", "처리에 동의한 경우", ["consent"]),
    Fact("basis", "계약 체결 전", ["before entering", "prior to entering", "pre-contract", "before concluding", "before a contract", "before the contract", "before signing", "steps at the request", "steps at your request", "steps the user asked", "steps you asked", "at the request of the user", "at your request", "at the user's request"]),
    Fact("basis", "적용되는 법적 의무", ["legal obligation"]),
    Fact("basis", "중대한 이익", ["vital interest"]),
    Fact("basis", "공익적 직무", ["public interest", "public task", "official authority"]),
    Fact("basis", "정당한 이익", ["legitimate interest"]),
    Fact("basis", "아동", ["child"]),
    Fact("basis", "명시된 목적과 다른 용도", ["other purpose", "different purpose", "purpose other than", "purposes other than", "new purpose", "purpose not", "not in the policy", "not in this policy", "not named in", "not listed in", "not stated in", "not described in", "not set out in", "not specified in"]),
    # --- 4 disclosure only in two cases (P4.1) ---
    Fact("disclosure", "법령상 공개", ["required by law", "law requires", "laws require", "required by statute", "statute requires", "statutes require", "required under law", "required by a law", "legally required", "required by the law"]),
    Fact("disclosure", "수사기관", ["investigat", "law enforcement"]),
    # --- 5 cookies (P5.1-P5.5) ---
    Fact("cookie", "비개인적인 집합 정보", ["non-personal", "aggregate"]),
    Fact("cookie", "아주 작은 텍스트 파일", ["small text file", "tiny text file"]),
    Fact("cookie", "반드시 필요한 쿠키", ["strictly necessary", "essential cookie", "necessary cookie"]),
    Fact("cookie", "마케팅에 사용", ["marketing"]),
    Fact("cookie", "특정 서버", ["server"]),
    Fact("cookie", "로그인 여부", ["logged in", "login state", "login status", "log-in state", "log-in status", "signed in", "sign-in state", "sign-in status"]),
    Fact("cookie", "수행 쿠키", ["performance"]),
    Fact("cookie", "익명성", ["anonym"]),
    Fact("cookie", "웹 분석", ["web analytic", "analytics", "web analysis"]),
    Fact("cookie", "광고 반응", ["ad response", "advertising response", "advertisement response", "response to ad", "response to our ad", "ad effectiveness", "advertising effectiveness", "effect of our ad", "effect of ad"]),
    Fact("cookie", "제휴사 추적", ["affiliate"]),
    Fact("cookie", "오류 관리", ["error"]),
    Fact("cookie", "디자인 테스트", ["design test", "testing design", "test design", "test different design", "tests different design", "design experiment"]),
    Fact("cookie", "기능 쿠키", ["functional", "function cookie"]),
    Fact("cookie", "개별적으로 파악하지", ["not identify", "never identify", "identify you", "identify the user", "identify users", "identify individual", "single out", "anonym"]),
    Fact("cookie", "레이아웃", ["layout"]),
    Fact("cookie", "텍스트 크기", ["text size", "font size"]),
    Fact("cookie", "설문 조사", ["survey"]),
    Fact("cookie", "모든 쿠키를 허용", ["accept all", "allow all", "accepting all", "allowing all"]),
    Fact("cookie", "저장될 때마다 확인", ["each time", "every time", "each cookie", "every cookie", "each one", "one by one", "asked for each"]),
    Fact("cookie", "모든 쿠키의 저장을 거부", ["refuse all", "reject all", "block all", "decline all", "refusing all", "rejecting all", "blocking all", "declining all"]),
    Fact("cookie", "일부 서비스에 어려움", ["some services", "some features", "some functions", "some of the service", "some parts of the service", "parts of the service", "certain services", "certain features"]),
    # --- 6 rights (P6.1-P6.11) ---
    Fact("right", "법정대리인", ["legal representative", "legal guardian", "legal agent", "statutory representative"]),
    Fact("right", "개인정보에 대한 접근", ["right of access", "right to access", "access right", "access to"]),
    Fact("right", "정정권", ["rectification", "correction", "rectify", "correct"]),
    Fact("right", "삭제권", ["erasure", "deletion", "delete", "erase"]),
    Fact("right", "처리 제한권", ["restriction", "restrict"]),
    Fact("right", "이동권", ["portability"]),
    Fact("right", "반대권", ["object"]),
    Fact("right", "직접 마케팅", ["direct marketing"]),
    Fact("right", "연구 및 통계", ["research"]),
    Fact("right", "자동화된 개별 의사결정", ["automated individual decision", "automated decision", "automated individual decision-making", "automated decision-making"]),
    Fact("right", "프로파일링", ["profiling"]),
    Fact("right", "회원정보 수정", ["edit profile", "edit member", "edit your", "edit account", "member information", "account settings", "account menu", "profile settings", "modify", "update your"]),
    Fact("right", ("서면", "전화", "이메일"), rows(["writing", "letter", "post", "paper"], ["phone"], ["email", "e-mail"])),
    Fact("right", "지체 없이", ["without delay", "promptly", "without undue delay"]),
    Fact("right", "타당한 사유", ["reason", "grounds"]),
    Fact("right", "위임장", ["power of attorney", "letter of attorney", "letter of authori", "proxy"]),
    Fact("right", "정당한 대리인", ["legitimate agent", "authorised agent", "authorized agent", "legitimate representative", "lawful agent", "proper agent", "legitimate proxy", "valid agent", "duly authori"]),
    # --- 7 security (P7.1-P7.6) ---
    Fact("security", "암호화된 통신 구간", ["encrypted connection", "encrypted channel", "encrypted communication", "encrypted transmission", "encrypted network", "encrypted in transit", "encryption in transit", "transmitted encrypted", "transmitted in encrypted", "sent encrypted", "sent over encrypted", "transmitted over encrypted", "encrypted link"]),
    Fact("security", "중요 정보", ["important data", "important information", "critical data", "critical information", "sensitive data", "sensitive information", "key data", "key information", "important personal"]),
    Fact("security", "해킹", ["hacking", "intrusion", "hacker"]),
    Fact("security", "컴퓨터 바이러스", ["virus", "malware"]),
    Fact("security", "접근이 통제된 구역", ["access-controlled", "access controlled", "controlled zone", "controlled area", "restricted area", "restricted zone", "controlled access", "secure zone", "secure area"]),
    Fact("security", "내부관리계획", ["internal management plan", "internal plan", "internal management"]),
    Fact("security", "접근통제장치", ["access control"]),
    Fact("security", "접속기록", ["access record", "access log", "connection record", "connection log", "log of access"]),
    Fact("security", "위조", ["forgery", "forging", "forged", "tamper", "falsif", "alteration", "manipulat"]),
    # --- 8 children (P8.1) ---
    Fact("age", "14세 미만", ["14"]),
    Fact("age", "연령 제한", ["age restriction", "age limit", "age gate", "age check", "age verification", "age-restrict", "minimum age", "age requirement"]),
    # --- 9 third parties (P9.1) ---
    Fact("third_party", "제3자에게 제공", ["third part"]),
    Fact("third_party", "법률의 특별한 규정", ["special provision", "specific provision", "special legal provision", "specific legal provision", "provided by law", "permitted by law", "specifically provided", "statutory provision", "required by law", "specifically required"]),
    # --- 10 processors (P10.1-P10.3) ---
    Fact("processor", "비티씨코리아서비스", ["BTC Korea Service"]),
    Fact("processor", "커뮤니티", ["community"]),
    Fact("processor", "상담", ["counsel", "consult", "customer support", "customer service", "support", "help desk", "helpdesk", "inquir", "enquir"]),
    Fact("processor", "재위탁 제한", ["re-entrust", "reentrust", "sub-process", "subprocess", "subcontract", "further entrust", "onward entrust", "re-delegat", "re-outsourc", "further outsourc"]),
    Fact("processor", "감독", ["supervis", "oversight", "oversee", "monitor"]),
    Fact("processor", "손해배상", ["damage", "liabilit", "compensation"]),
    Fact("processor", "수탁자가 변경", ["new processor", *rows(["chang", "replace"], ["processor", "entrust", "outsourc", "contractor", "trustee"])]),
    # --- 11 changes of the policy (P11.1) ---
    Fact("notice", "관계법에서 요구하는 경우", ["where the law requires", "where required by law", "if the law requires", "when the law requires", "if required by law", "when required by law", "required by law", "law requires", "laws require", "where the law so requires", "applicable law requires"]),
    # --- 12(1) EU and Switzerland (P12.1) ---
    Fact("transfer", "유럽연합", ["European Union", "EU"]),
    Fact("transfer", "스위스", ["Switzerland", "Swiss"]),
    Fact("transfer", "프라이버시 쉴드", ["Privacy Shield"]),
    Fact("transfer", "표준 계약 조항", ["standard contractual clause", "standard contract clause", "SCC"]),
    Fact("transfer", "적절한 안전장치", ["appropriate safeguard", "adequate safeguard", "suitable safeguard", "safeguard"]),
    # --- 12(2) California (P12.2-P12.4) ---
    Fact("california", "캘리포니아", ["California"]),
    Fact("california", "캘리포니아 온라인 프라이버시 보호법", ["California Online Privacy Protection Act", "CalOPPA"]),
    Fact("california", "정보유출 확인", ["breach", "leak"]),
    Fact("california", "언제든지 정보를 변경", ["at any time", "any time"]),
    Fact("california", "추적하지 않습니다", ["not track", "no tracking", "never track", "does not track", "do not track"]),
    Fact("california", "추적 방지", ["do not track", "do-not-track", "DNT"]),
    Fact("california", "광고 서비스", ["advertising service", "ad service", "advertisement service", "ad network", "advertising network", "advertising partner"]),
    # --- 12(3) Korea: laws, destruction, retention, safeguards (P12.5-P12.8) ---
    Fact("korea", "정보통신망법", ["Network Act", "Information and Communications Network", "Information and Communication Network", "Network Utilization", "Network Utilisation"]),
    Fact("korea", "개인정보보호법", ["Personal Information Protection Act", "PIPA"]),
    Fact("destruction", "탈퇴", ["withdraw", "leave", "leaves", "cancel", "close", "closes", "terminat", "delete their account", "delete your account", "deletes their account", "unsubscribe", "withdrawal"]),
    Fact("destruction", "파기", ["destroy", "destruction"]),
    Fact("destruction", "별도로 저장", ["separately", "separate"]),
    Fact("destruction", "파쇄", ["shred"]),
    Fact("destruction", "소각", ["incinerat", "burn"]),
    Fact("destruction", "복원이 불가능", ["irrecoverabl", "unrecoverabl", "non-recoverable", "cannot be recovered", "cannot be restored", "can not be recovered", "can not be restored", "impossible to recover", "impossible to restore", "not be recovered", "not be restored", "beyond recovery", "beyond technical recovery"]),
    Fact("retention", "개정된 법령에 따릅니다", ["amended law", "law is amended", "laws are amended", "amendment", "amended"]),
    Fact("retention", ("계약 또는 청약철회", "5년", "전자상거래 등에서의 소비자보호에 관한 법률"), rows(["contract"], _FIVE_YEARS, _E_COMMERCE_ACT)),
    Fact("retention", ("대금결제 및 재화 등의 공급", "5년", "전자상거래 등에서의 소비자보호에 관한 법률"), rows(["payment", "supply"], _FIVE_YEARS, _E_COMMERCE_ACT)),
    Fact("retention", ("소비자의 불만 또는 분쟁 처리에 관한 기록", "3년", "전자상거래 등에서의 소비자보호에 관한 법률"), rows(["complaint", "dispute"], _THREE_YEARS, _E_COMMERCE_ACT)),
    Fact("retention", ("신용정보의 수집", "3년", "신용정보의 이용 및 보호에 관한 법률"), rows(["credit"], _THREE_YEARS, ["Credit Information"])),
    Fact("retention", ("광고에 관한 기록", "6개월", "전자상거래 등에서의 소비자보호에 관한 법률"), rows(["advertis", "labelling", "labeling", "display"], ["6 months", "six months"], _E_COMMERCE_ACT)),
    Fact("retention", ("로그 기록", "접속지 추적 자료", "3개월", "통신비밀보호법"), rows(["log"], ["location", "where", "tracking data", "access point"], ["3 months", "three months"], _COMMUNICATIONS_SECRETS_ACT)),
    Fact("retention", ("통신사실 확인 자료", "12개월", "통신비밀보호법"), rows(["confirmation", "call detail", "communication fact", "communications fact", "communication record", "communications record", "communication data", "communications data"], ["12 months", "twelve months", "1 year", "one year"], _COMMUNICATIONS_SECRETS_ACT)),
    Fact("safeguard", "기술적 조치", ["technical"]),
    Fact("safeguard", "관리적 조치", ["administrative", "managerial", "organisational", "organizational"]),
    Fact("safeguard", "물리적 조치", ["physical"]),
    Fact("safeguard", "보안서버", ["secure server", "security server", "secure transmission server"]),
    Fact("safeguard", "백신", ["antivirus", "anti-virus", "vaccine", "anti-malware"]),
    Fact("safeguard", "교육", ["training", "educat"]),
    Fact("safeguard", "추측하기 어려운", ["hard to guess", "difficult to guess", "hard-to-guess", "difficult-to-guess", "strong password", "password rule", "password polic", "password strength"]),
    Fact("safeguard", "접근 권한 차별화", ["differentiated access", "graded access", "access rights", "access right", "access privilege", "least privilege", "role-based", "need-to-know", "need to know"]),
    Fact("safeguard", "출입 통제", ["entry control", "controlled entry", "control of entry", "entrance control", "control of entrance", "physical access", "access to the facilit", "access to facilit", "entry to"]),
    Fact("safeguard", "잠금 장치", ["lock"]),
    Fact("safeguard", "보조기억매체", ["storage media", "storage medium", "removable media", "auxiliary storage", "external storage", "USB", "media"]),
    # --- 12(4) YouTube API (P12.9) ---
    Fact("youtube", "YouTube API", ["YouTube API"]),
    Fact("youtube", "Google의 개인정보 보호정책", ["Google Privacy Policy", "Google's privacy policy", "privacy policy of Google", "Google privacy polic"]),
    Fact("youtube", "Google 보안 설정", ["Google security setting", "security settings page", "Google Security", "security settings", "Google account settings", "Google account"]),
    Fact("youtube", "접근 권한을 철회", ["revoke", "withdraw", "remove access", "removing access", "cancel access"]),
    # --- 13 privacy officer (P13.1) ---
    Fact("officer", "윤현근", ["윤현근", "Yoon Hyun", "Yoon Hyeon", "Yun Hyun", "Yun Hyeon", "Hyun-geun", "Hyungeun", "Hyeon-geun", "Hyeongeun", "Hyun Geun"]),
    Fact("officer", "COO", ["COO", "Chief Operating Officer"]),
    Fact("officer", "070-4333-1812", ["070-4333-1812", "+82-70-4333-1812"]),
    Fact("officer", "cs@somesing.io", ["cs@somesing.io"]),
]
# fmt: on
