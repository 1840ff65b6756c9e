"""凭证: content-checked uploads, private storage, and downloads only for those who may see the project."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from tests.factories import make_project, make_user
from tracker.models import Evidence
from tracker.services.evidence import BadEvidence, evidence_attach, evidence_check

from .helpers import EXE, PDF, PNG, change_form, docx, evidence_rows, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(world, people):
    project = make_project(world)
    return evidence_attach(
        project=project,
        user=people["editor"],
        kind="contract",
        title="投资合同",
        name="投资合同.pdf",
        data=PDF,
    )


def download_url(evidence):
    return reverse("admin:tracker_project_evidence_download", args=[evidence.pk])


def test_a_stored_file_has_a_random_private_name_its_size_and_checksum(contract):
    name = contract.file.name
    assert name.startswith(f"evidence/{contract.project_id}/") and name.endswith(".pdf")
    assert "投资合同" not in name
    assert default_storage.exists(name)
    assert (contract.original_name, contract.size, contract.content_type) == (
        "投资合同.pdf",
        len(PDF),
        "application/pdf",
    )
    assert len(contract.sha256) == 64
    assert contract.history.count() == 1
    # Nothing in MEDIA is served: the storage gives no public URL the site answers.
    assert not contract.file.name.startswith("/")


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("合同.pdf", EXE, "扩展名可能被改过"),
        ("setup.exe", EXE, "只接受"),
        ("照片.jpg", PDF, "与扩展名不符"),
        ("合同.docx", PDF, "与扩展名不符"),
        ("照片.png", docx(), "与扩展名不符"),
        ("合同.docx", docx(bomb=True), "压缩炸弹"),
        ("合同.pdf", b"", "空的"),
        ("合同.pdf", PDF + b"\x00" * (20 * 2**20), "20 MB"),
    ],
)
def test_uploads_are_refused_by_content_and_size(name, data, words):
    with pytest.raises(BadEvidence) as exc:
        evidence_check(name, data)
    assert words in exc.value.message


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [("合同.pdf", PDF, "pdf"), ("现场.PNG", PNG, "png"), ("协议.docx", docx(), "docx")],
)
def test_real_files_pass(name, data, kind):
    assert evidence_check(name, data) == kind


def test_an_editor_uploads_on_the_project_page_and_a_renamed_exe_is_refused(client, world, people):
    project = make_project(world, region=world.park)
    client.force_login(people["editor"])
    url = reverse("admin:tracker_project_change", args=[project.pk])
    refused = client.post(
        url,
        {**change_form(project), **evidence_rows(("contract", "合同", upload("合同.pdf", EXE)))},
    )
    assert refused.status_code == 200
    assert "扩展名可能被改过" in refused.content.decode()
    assert not Evidence.objects.exists()
    saved = client.post(
        url, {**change_form(project), **evidence_rows(("contract", "合同", upload()))}
    )
    assert saved.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.project, evidence.uploaded_by, evidence.kind) == (
        project,
        people["editor"],
        "contract",
    )


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("reader", True), ("editor", True), ("manager", True), ("other_editor", False)],
)
def test_downloads_by_role(client, contract, people, who, allowed):
    client.force_login(people[who])
    response = client.get(download_url(contract))
    if allowed:
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
    else:
        assert response.status_code == 403


def test_a_superuser_downloads(staff, contract):
    assert staff.get(download_url(contract)).status_code == 200


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, contract):
    response = client.get(download_url(contract))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_non_staff_account_cannot_download(client, contract):
    client.force_login(make_user("public", staff=False))
    response = client.get(download_url(contract))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_media_path_is_not_served(client, contract):
    for prefix in ("/media/", "/"):
        assert client.get(prefix + contract.file.name).status_code == 404


def test_another_districts_editor_sees_no_evidence_inline_and_cannot_attach(
    client, world, contract, people
):
    client.force_login(people["other_editor"])
    page = client.get(reverse("admin:tracker_project_change", args=[contract.project_id]))
    assert page.status_code == 200
    assert download_url(contract) not in page.content.decode()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        evidence_attach(
            project=contract.project,
            user=people["other_editor"],
            kind="photo",
            title="x",
            name="x.png",
            data=PNG,
        )
