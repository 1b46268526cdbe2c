"""About 200 of the passwords most often found in breach corpora, refused at any letter case.

Kept as a Python tuple, not a data file, because the package data patterns in pyproject.toml do
not ship ``*.txt``. Drawn from the widely published "most common passwords" lists (global and
Korean: keyboard walks such as ``qwer1234`` and ``1q2w3e4r`` are the Korean favourites). The
composition rule already refuses most short all-digit entries; they stay listed so the list can
be reused on its own. Compare lower-cased: ``COMMON_PASSWORDS`` holds lower-case text only.
"""

from __future__ import annotations

__all__ = ["COMMON_PASSWORDS"]

_LIST = (
    # -- all digits
    "123456", "123456789", "12345678", "12345", "1234567", "1234567890", "111111", "000000",
    "123123", "654321", "666666", "121212", "112233", "987654321", "1111111111", "0123456789",
    "11111111", "88888888", "12341234", "123321", "123654", "147258369", "159753", "789456123",
    "1234512345", "5555555555", "0987654321", "1212121212", "11223344", "7777777777",
    # -- words
    "password", "password1", "password12", "password123", "password!", "passw0rd", "p@ssw0rd",
    "p@ssword", "pa$$w0rd", "qwerty", "qwerty1", "qwerty12", "qwerty123", "qwertyuiop",
    "qwerty1234", "qwerty!", "iloveyou", "iloveyou1", "iloveyou2", "admin", "admin123",
    "admin1234", "administrator", "welcome", "welcome1", "welcome123", "letmein", "letmein1",
    "monkey", "monkey123", "dragon", "dragon123", "football", "football1", "baseball",
    "baseball1", "basketball", "soccer123", "master", "master123", "sunshine", "sunshine1",
    "princess", "princess1", "shadow", "shadow123", "superman", "superman1", "batman",
    "batman123", "trustno1", "starwars", "starwars1", "whatever", "whatever1", "freedom",
    "freedom1", "michael", "michael1", "jennifer", "jessica", "charlie", "charlie1", "thomas",
    "hunter", "hunter2", "ranger", "buster", "killer", "pokemon", "pokemon1", "naruto",
    "computer", "computer1", "internet", "samsung", "samsung1", "google", "google123",
    "secret", "secret123", "changeme", "changeme1", "default", "test1234", "test12345",
    "testtest", "guest1234", "hello123", "hello1234", "helloworld", "loveyou", "lovely",
    "loveme", "love1234", "fuckyou", "zaq12wsx", "zaq1zaq1", "zxcvbnm", "zxcvbnm1",
    "asdfghjkl", "asdfasdf", "asdf1234", "asdf12345", "qazwsx", "qazwsxedc", "1qaz2wsx",
    "1qaz2wsx3edc", "1q2w3e4r", "1q2w3e4r5t", "1q2w3e", "q1w2e3r4", "q1w2e3r4t5", "qwer1234",
    "qwer12345", "qwert12345", "zxcv1234", "abcd1234", "abcd12345", "abc123", "abc1234",
    "abc12345", "abcdefg", "abcdefgh", "abcdef123", "a1b2c3d4", "a12345678", "aa123456",
    "aaaaaaaaaa", "asd123", "qwe123", "qwe12345", "qweasd123", "qweasdzxc", "qwertyui",
    "mustang", "access", "access14", "flower", "flower123", "cookie", "chocolate", "summer",
    "summer2023", "summer2024", "winter2024", "spring2024", "autumn2024", "korea123",
    "korea1234", "seoul123", "seoul1234", "sarang", "saranghae", "saranghae1", "dkssud",
    "dkssudgktpdy", "tkfkdgo", "gkgk1234", "apple123", "banana123", "orange123",
    "starbucks", "kakao123", "naver123", "daum1234", "somesing", "somesing1", "yaksok123",
    "passpass", "pass1234", "pass12345", "login123", "user1234", "root1234", "toor1234",
    "temp1234", "temppass", "mypassword", "mypass123", "newpassword", "password1234",
    "1password", "!qaz2wsx", "!q2w3e4r", "!@#$%^&*", "!@#$%^&*()", "~!@#$%^&*()",
    "1q2w3e4r!", "qwer1234!", "asdf1234!", "p@ssw0rd1", "p@ssw0rd!", "admin!@#", "abcd!234",
)

#: The list as a set for O(1) lookups; every entry lower-case.
COMMON_PASSWORDS: frozenset[str] = frozenset(p.lower() for p in _LIST)
