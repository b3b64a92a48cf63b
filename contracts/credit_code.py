"""Unified social credit codes (统一社会信用代码, GB 32100-2015): checks and check character.

A code is 18 characters from a 31-character set (no I, O, Z, S, V): the registration
authority (1), the organisation type under it (2), the authority's region code (3-8,
digits), the organisation code (9-17) and a check character (18). The region is checked
for digits only: a region table goes stale, and the national level uses 100000.
Problems are checked on what is typed so far, so a wrong start shows at once.
Not personal data: an organisation's code is public and may be shown and logged.
"""

from __future__ import annotations

from enum import StrEnum

LENGTH = 18
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # character value = its index
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# W_i = 3^(i-1) mod 31 for positions 1-17.
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_DIGITS = frozenset("0123456789")

# Registration authority -> the organisation types it registers (GB 32100 table 1, with the
# later authorities A and N). 'Y' (other) does not divide its organisations: always 1.
AUTHORITY_TYPES: dict[str, str] = {
    "1": "1239",    # 机构编制: 机关, 事业单位, 中央编办管理的群众团体, 其他
    "2": "19",      # 外交: 外国常驻新闻机构, 其他
    "3": "123459",  # 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    "4": "19",      # 文化: 外国在华文化中心, 其他
    "5": "1239",    # 民政: 社会团体, 民办非企业单位, 基金会, 其他
    "6": "129",     # 旅游: 外国 / 港澳台旅游部门常驻代表机构, 其他
    "7": "129",     # 宗教: 宗教活动场所, 宗教院校, 其他
    "8": "19",      # 工会: 基层工会, 其他
    "9": "123",     # 工商 (市场监管): 企业, 个体工商户, 农民专业合作社
    "A": "19",      # 中央军委改革和编制办公室: 军队事业单位, 其他
    "N": "1239",    # 农业: 组级 / 村级 / 乡镇级集体经济组织, 其他
    "Y": "1",       # 其他
}


class CreditCodeProblem(StrEnum):
    """Why a credit code was refused: each maps to its own message."""

    EMPTY = "empty"
    CHARACTERS = "characters"  # outside the 31-character set (I, O, Z, S, V, symbols)
    AUTHORITY = "authority"  # positions 1-2: no such authority and organisation type
    REGION = "region"  # positions 3-8 are digits
    LENGTH = "length"
    CHECK = "check"  # the check character does not match the first 17


def normalise_credit_code(raw: str) -> str:
    return raw.strip().replace(" ", "").upper()


def check_character(first17: str) -> str:
    """The 18th character for 17 characters of the set: 31 - (sum mod 31), with 31 -> '0'."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(raw: str) -> CreditCodeProblem | None:
    """None when ``raw`` is a valid code, else the first thing wrong (checked on a partial
    code too, so only LENGTH means "not finished yet")."""
    value = normalise_credit_code(raw)
    if not value:
        return CreditCodeProblem.EMPTY
    if any(c not in _VALUE for c in value):
        return CreditCodeProblem.CHARACTERS
    if value[0] not in AUTHORITY_TYPES or (
            len(value) > 1 and value[1] not in AUTHORITY_TYPES[value[0]]):
        return CreditCodeProblem.AUTHORITY
    if any(c not in _DIGITS for c in value[2:8]):
        return CreditCodeProblem.REGION
    if len(value) != LENGTH:
        return CreditCodeProblem.LENGTH
    if check_character(value[:17]) != value[17]:
        return CreditCodeProblem.CHECK
    return None
