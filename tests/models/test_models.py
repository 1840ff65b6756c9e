"""Model rules that hold wherever a record is written from: admin, import or code."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tracker.choices import Stage
from tracker.codes import project_code_next
from tracker.models import Citation, Organization, Project, Region, Source
from tracker.text import credit_code_check_char, credit_code_problem, normalize_name


@pytest.fixture
def district(db):
    city = Region.objects.create(name="焦作市", slug="jiaozuo", kind="city")
    return Region.objects.create(name="解放区", slug="jiefang", kind="district", parent=city)


def make_project(region, **fields):
    fields.setdefault("code", "JZ-2020-0001")
    fields.setdefault("name", "测试项目")
    return Project(region=region, **fields)


class TestCreditCode:
    @pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000600037341L"])
    def test_real_codes_pass_the_check_digit(self, code):
        assert credit_code_problem(code) is None

    def test_a_wrong_check_digit_is_named(self):
        assert credit_code_problem("91350100M000100Y44") == "校验位不正确"

    def test_letters_outside_the_gb32100_alphabet_are_refused(self):
        assert "含有非法字符" in credit_code_problem("91350100M000100YO3")

    def test_wrong_length_is_refused(self):
        assert credit_code_problem("9135") == "长度应为18位"

    def test_check_char_is_computed_from_the_first_seventeen(self):
        assert credit_code_check_char("91350100M000100Y4") == "3"

    def test_organization_clean_reports_the_code_field(self, db):
        org = Organization(name="某公司", credit_code="91350100m000100y44")
        with pytest.raises(ValidationError) as err:
            org.full_clean()
        assert set(err.value.message_dict) == {"credit_code"}
        assert "校验位" in err.value.message_dict["credit_code"][0]

    def test_lower_case_code_is_stored_upper_case(self, db):
        org = Organization(name="某公司", credit_code="91350100m000100y43")
        org.full_clean()
        assert org.credit_code == "91350100M000100Y43"


class TestOrganizationNames:
    def test_full_and_half_width_brackets_and_spaces_share_one_key(self):
        assert normalize_name("木铎（广州）教育科技有限公司") == normalize_name(
            "木铎(广州) 教育科技有限公司"
        )

    def test_the_key_is_saved_with_the_organization(self, db):
        org = Organization.objects.create(name="海狸文创科技（深圳）有限公司")
        assert org.name_key == "海狸文创科技(深圳)有限公司"

    def test_a_width_variant_of_a_known_name_is_refused_by_clean(self, db):
        Organization.objects.create(name="木铎（广州）教育科技有限公司")
        with pytest.raises(ValidationError) as err:
            Organization(name="木铎(广州)教育科技有限公司").full_clean()
        assert "name" in err.value.message_dict

    def test_the_database_refuses_a_width_variant_too(self, db):
        Organization.objects.create(name="木铎（广州）教育科技有限公司")
        with pytest.raises(IntegrityError), transaction.atomic():
            Organization.objects.create(name="木铎 (广州) 教育科技有限公司")

    def test_natural_key_lookup_ignores_width(self, db):
        org = Organization.objects.create(name="木铎（广州）教育科技有限公司")
        assert Organization.objects.get_by_natural_key("木铎(广州)教育科技有限公司") == org


class TestAmounts:
    def test_undisclosed_amount_is_null_and_valid(self, district):
        make_project(district, investment=None).full_clean()

    @pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5")])
    def test_zero_or_negative_investment_is_refused(self, district, amount):
        with pytest.raises(ValidationError) as err:
            make_project(district, investment=amount).full_clean()
        assert "investment" in err.value.message_dict

    def test_negative_band_is_refused(self, district):
        with pytest.raises(ValidationError) as err:
            make_project(district, investment_low=Decimal("-1")).full_clean()
        assert "investment_low" in err.value.message_dict

    def test_band_low_above_high_is_refused(self, district):
        project = make_project(
            district, investment_low=Decimal("10000"), investment_high=Decimal("1000")
        )
        with pytest.raises(ValidationError) as err:
            project.full_clean()
        assert "investment_high" in err.value.message_dict

    def test_database_refuses_zero_investment_saved_past_clean(self, district):
        with pytest.raises(IntegrityError), transaction.atomic():
            make_project(district, investment=Decimal("0")).save()

    def test_database_refuses_a_reversed_band(self, district):
        with pytest.raises(IntegrityError), transaction.atomic():
            make_project(district, investment_low=Decimal("2"), investment_high=Decimal("1")).save()

    def test_amounts_keep_every_wan_yuan(self, district):
        make_project(district, investment=Decimal("1420000.0001")).save()
        assert Project.objects.get().investment == Decimal("1420000.0001")


class TestRegions:
    def test_subtree_holds_the_region_and_everything_below(self, district):
        park = Region.objects.create(name="5G产业园", slug="5g", kind="park", parent=district)
        other = Region.objects.create(name="山阳区", slug="shanyang", kind="district")
        assert set(Region.objects.subtree_ids(district)) == {district.pk, park.pk}
        assert other.pk not in Region.objects.subtree_ids(district.parent)

    def test_a_region_cannot_sit_below_itself(self, district):
        city = district.parent
        city.parent = district
        with pytest.raises(ValidationError) as err:
            city.full_clean()
        assert "parent" in err.value.message_dict

    def test_projects_in_region_include_the_parks(self, district):
        park = Region.objects.create(name="5G产业园", slug="5g", kind="park", parent=district)
        make_project(park, code="JZ-2020-0001").save()
        make_project(district.parent, code="JZ-2020-0002").save()
        assert list(Project.objects.in_region(district).values_list("code", flat=True)) == [
            "JZ-2020-0001"
        ]


class TestProjects:
    def test_next_code_follows_the_highest_of_the_year(self, district):
        make_project(district, code="JZ-2020-0007").save()
        make_project(district, code="JZ-2021-0050").save()
        assert project_code_next(year=2020) == "JZ-2020-0008"
        assert project_code_next(year=2022) == "JZ-2022-0001"

    def test_next_code_skips_codes_reserved_in_the_same_import(self, district):
        assert project_code_next(year=2020, taken={"JZ-2020-0001"}) == "JZ-2020-0002"

    def test_stages_are_ordered_along_the_pipeline(self):
        assert Stage.rank(Stage.LEAD) < Stage.rank(Stage.SIGNED) < Stage.rank(Stage.OPERATING)
        assert Stage.at_least(Stage.CONSTRUCTION) == ["construction", "operating"]

    def test_totals_keep_undisclosed_apart_from_the_sum(self, district):
        make_project(district, code="JZ-2020-0001", investment=Decimal("50000")).save()
        make_project(district, code="JZ-2020-0002", investment=None).save()
        totals = Project.objects.totals()
        assert totals == {"count": 2, "disclosed_total": Decimal("50000"), "undisclosed": 1}


class TestCitations:
    def test_a_citation_supports_exactly_one_record(self, district):
        source = Source.objects.create(file="x.txt", title="x")
        project = make_project(district)
        project.save()
        org = Organization.objects.create(name="某公司")
        with pytest.raises(ValidationError):
            Citation(source=source, quote="q", project=project, organization=org).full_clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            Citation.objects.create(source=source, quote="q")
