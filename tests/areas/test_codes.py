from areas.codes import LEVEL_DIGITS, full_code, level_below, prefix_of
from areas.models import Area
from areas.services import check_child_code


def test_codes_pad_to_twelve_digits_and_prefixes_follow_the_level():
    assert full_code("530921201") == "530921201000"
    assert full_code("53") == "530000000000"
    assert prefix_of("530921201200", "township") == "530921201"
    assert [LEVEL_DIGITS[level] for level in ("province", "city", "county", "township", "village", "group")] == [
        2,
        4,
        6,
        9,
        12,
        15,
    ]
    assert level_below("village") == "group"
    assert level_below("group") is None


def test_child_codes_must_extend_the_parent_with_three_digits():
    township = Area(code="530921201000", name="诗礼乡", level="township")
    village = Area(code="530921201200", name="孔兴村", level="village")
    county = Area(code="530921000000", name="凤庆县", level="county")

    assert check_child_code(township, "530921201215") is None
    assert check_child_code(village, "530921201200003") is None
    assert "12" in check_child_code(township, "53092120121")
    assert "12" in check_child_code(township, "5309212012AB")
    assert "530921201" in check_child_code(township, "530921202215")
    assert "000" in check_child_code(township, "530921201000")
    assert "15" in check_child_code(village, "530921201200")
    assert check_child_code(county, "530921299000") is not None
