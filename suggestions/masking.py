"""Masking of personal contact data in text the public sees (DESIGN.md §2, §8: replies are
published "redacted of contact data"). `mask_contacts` is the one function; the public page
applies it to every text it shows through the `hide_contacts` template filter.

How it works:
1. The text is normalised character by character (NFKC, so full-width digits, ＠, ．, （）
   and the ideographic space become ASCII; dash look-alikes become "-"), remembering for each
   normalised character the original character it came from.
2. Phone numbers and e-mail addresses are found in the normalised text.
3. Each match is replaced in the *original* text, so everything around it reads as written.

What counts: mobile numbers (11 digits from 13x–19x, with spaces, dots, hyphens, parentheses
and a +86 / 0086 prefix), landlines with an area code (0571-8888 6666, (010)12345678,
+86 571 …) and an optional extension (转 / ext / 分机), local numbers of 7–8 digits written
alone, and e-mail addresses with @, ＠, (at), [at] or " at ", and (dot) spellings.
What is left alone: years (2026年), amounts (1500万元), document numbers (〔2026〕12号), dates
(2026-03-01, 20260301) and 5-digit service lines such as 12345.
"""

import re
import unicodedata
from datetime import date

MASK = "[已隐去]"

# Dash look-alikes people type between digit groups; NFKC leaves these as they are.
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−─━ー－~～"), "-")
_DOTS = dict.fromkeys(map(ord, "。·・•"), ".")

# One separator between digit groups: a space, dot or hyphen, optionally spaced out.
_SEP = r"(?:\s?[-.]\s?|\s)?"
_PREFIX = rf"(?:\(\s?(?:\+|00)?86\s?\)|(?:\+|00)86){_SEP}"
_EXTENSION = r"(?:\s?(?:转|分机|ext\.?|x|-)\s?\d{1,6})?"

_MOBILE = rf"(?:{_PREFIX})?\(?1[3-9]\d\)?{_SEP}\d{{4}}{_SEP}\d{{4}}"
_AREA = rf"(?:\(\s?0\d{{2,3}}\s?\)|0\d{{2,3}}|{_PREFIX}\(?[1-9]\d{{1,2}}\)?)"
_LANDLINE = rf"{_AREA}{_SEP}[1-9]\d{{2,3}}{_SEP}\d{{4}}{_EXTENSION}"
# Written alone, a local number starts with 2–9 and has no separator but a hyphen.
_LOCAL = rf"[2-9]\d{{2,3}}-?\d{{4}}{_EXTENSION}"
# Digits on either side mean a longer number (an ID, an account, a decimal): not a phone.
_PHONE = re.compile(rf"(?<!\d)(?<!\d\.)(?:{_MOBILE}|{_LANDLINE}|{_LOCAL})(?!\d)", re.I)
_YEAR = re.compile(r"(?:19|20)\d\d")

_AT = r"(?:\s?@\s?|\s?[(\[{<]\s?at\s?[)\]}>]\s?|\s+at\s+)"
_DOT = r"(?:\.|\s?[(\[{<]\s?dot\s?[)\]}>]\s?|\s+dot\s+)"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_EMAIL = re.compile(
    rf"[a-z0-9](?:[a-z0-9._%+-]{{0,63}})(?P<at>{_AT}){_LABEL}(?:{_DOT}{_LABEL})*{_DOT}[a-z]{{2,24}}(?![a-z0-9])",
    re.I | re.ASCII,
)
# " at " between words is English, not an address, unless the domain looks like one.
_PLAIN_AT_DOMAIN = re.compile(r"\.(?:cn|com|net|org|gov|edu|info|io|cc|top)$", re.I)

# A bare 7–8 digit number followed by one of these is a quantity, not a phone.
_QUANTITY_AFTER = re.compile(
    r"\s?(?:[万亿千百元角分年月日号期届次件条项个人户名位家所台辆套间亩吨米%‰]|平方|公里|公顷|千米)"
)


def _normalised(text: str) -> tuple[str, list[int]]:
    """The text in matching form, and for each of its characters the original index."""
    out, where = [], []
    for index, char in enumerate(text):
        form = unicodedata.normalize("NFKC", char).translate(_DASHES).translate(_DOTS)
        out.append(form)
        where.extend([index] * len(form))
    return "".join(out), where


def _is_date(digits: str) -> bool:
    if len(digits) != 8 or digits[:2] not in ("19", "20"):
        return False
    try:
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return True


def _is_contact_phone(match: re.Match, text: str) -> bool:
    found = match.group()
    if found.isdigit() and _QUANTITY_AFTER.match(text, match.end()):
        return False  # 35000000元, 13800000000人次
    if len(re.sub(r"\D", "", found)) > 8 or found.startswith(("0", "(", "+")):
        return True
    # A local number written alone: not a date (20260301), not a span of years (2024-2026),
    # not a quantity, not inside a numbered expression (〔2026〕1234号, 第2026-1234号).
    first, _, second = found.partition("-")
    if _is_date(found) or (_YEAR.fullmatch(first) and _YEAR.fullmatch(second)):
        return False
    if _QUANTITY_AFTER.match(text, match.end()):
        return False
    return not (match.start() and text[match.start() - 1] in "〔[(第")


def _spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _EMAIL.finditer(text):
        if match.group("at").strip().lower() == "at" and not _PLAIN_AT_DOMAIN.search(match.group()):
            continue
        spans.append(match.span())
    for match in _PHONE.finditer(text):
        if _is_contact_phone(match, text):
            spans.append(match.span())
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mask_contacts(text: str | None) -> str:
    """The text with every phone number and e-mail address replaced by "[已隐去]"."""
    if not text:
        return ""
    normal, where = _normalised(text)
    pieces, last = [], 0
    for start, end in _spans(normal):
        first, after = where[start], where[end - 1] + 1
        # Keep the spaces a match swallowed at its edges.
        pieces.append(text[last:first])
        pieces.append(MASK)
        last = after
    pieces.append(text[last:])
    return "".join(pieces)
