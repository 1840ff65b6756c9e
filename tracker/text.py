"""Text rules shared by models, imports and search: name keys and credit codes.

How values read to people (amounts, dates, list and clause joins) is ``tracker.formatting``."""

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """The comparison key of an organisation name.

    NFKC folds full-width brackets, letters and digits to half-width, so
    ``木铎（广州）教育科技有限公司`` and ``木铎(广州)教育科技有限公司`` share one key;
    white space of any width is dropped and Latin letters are case-folded.
    """
    return _SPACE.sub("", unicodedata.normalize("NFKC", name or "")).casefold()


# GB 32100-2015 统一社会信用代码: 18 characters from this alphabet (no I, O, S, V, Z).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The 18th character that GB 32100-2015 computes from the first 17."""
    total = sum(
        CREDIT_CODE_ALPHABET.index(ch) * weight
        for ch, weight in zip(first17, _CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why ``code`` is not a valid unified social credit code, or None when it is."""
    if len(code) != 18:
        return "长度应为18位"
    bad = sorted({ch for ch in code if ch not in CREDIT_CODE_ALPHABET})
    if bad:
        return "含有非法字符：" + "".join(bad)
    if credit_code_check_char(code[:17]) != code[17]:
        return "校验位不正确"
    return None
