"""Bulk enrollment: people and their photos from a ZIP (the import page) or a
folder (the `enroll` command), with the same rules and the same report.

Layout: one folder per person, named by the person's name or employee ID,
and optionally a `people.csv` (employee_id, name, department, folder).

A ZIP is never extracted: members are read into memory one by one, and only
photos that pass go to storage (under MEDIA_ROOT, with generated names). So a
member called `../x.jpg`, `/etc/x.jpg` or a symbolic link can write nothing
anywhere; such members are skipped with a line in the report.
"""

import csv
import io
import lzma
import stat
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from portal.core.messages import message_template, message_templates
from portal.people.models import Department, Person
from recognition import imaging
from recognition.models import FacePhoto
from recognition.services import person_photo_add, upload_limits

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
ARCHIVE_SUFFIXES = {".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".jar", ".zst"}
CSV_NAME = "people.csv"
CSV_MAX_BYTES = 1024 * 1024
# a member that inflates more than this many times is not a photo (zip bomb)
MAX_RATIO = 100
REPORT_LINES = 500  # skipped members listed one by one; the rest are counted

REASON_LABELS = {
    "no_face": gettext_noop("no face found"),
    "several_faces": gettext_noop("more than one face"),
    "too_small": gettext_noop("face too small"),
    "cut_off": gettext_noop("face cut off by the edge"),
    "too_dark": gettext_noop("too dark"),
    "washed_out": gettext_noop("washed out"),
    "blurry": gettext_noop("blurry"),
    "near_duplicate": gettext_noop("almost the same as a photo already enrolled"),
    "unreadable": gettext_noop("not a readable image"),
    "": gettext_noop("could not be processed"),
}


# Why an entry was skipped: the stored report keeps a code ("import." and the constant's
# lower-case name: never rename one) and its values, shown in the reader's language.
NOT_A_PHOTO = gettext_noop("not a photo (%(suffix)s)")
NO_SUFFIX = gettext_noop("no suffix")
INFLATES = gettext_noop("inflates more than %(ratio)s times (a zip bomb?); not read")
DAMAGED = gettext_noop("damaged in the archive (%(error)s)")
CANNOT_READ = gettext_noop("cannot be read (%(error)s)")
CSV_TOO_LARGE = gettext_noop("people.csv is larger than 1 MB; not read")
CSV_NOT_UTF8 = gettext_noop("people.csv is not UTF-8 text")
NOT_IN_FOLDER = gettext_noop("not in a person's folder")
IN_SUB_FOLDER = gettext_noop("in a sub-folder; put photos directly in the person's folder")
TOO_LARGE = gettext_noop("larger than the photo size limit")
SYMBOLIC_LINK = gettext_noop("a symbolic link; not followed")
ABSOLUTE_PATH = gettext_noop("an absolute or Windows path; skipped")
OUTSIDE_FOLDER = gettext_noop("a path leading outside its folder (..); skipped")
HIDDEN = gettext_noop("a hidden or system file; skipped")
NESTED_ARCHIVE = gettext_noop("an archive inside the archive; not opened")
CSV_NO_EMPLOYEE_ID = gettext_noop("has no employee_id column; not used")
CSV_NUL = gettext_noop("contains a NUL character; row not used")
CSV_BAD_EMPLOYEE_ID = gettext_noop("employee_id is empty or longer than 64 characters")
NOT_REGULAR_FILE = gettext_noop("not a regular file; skipped")
ENCRYPTED = gettext_noop("encrypted; cannot be read")
FOLDER_TOO_LONG = gettext_noop("the folder name is longer than 64 characters, too long for an employee ID; skipped")
# Why the whole archive was refused (ArchiveRefused; ImportJob.error when the worker refuses it)
NOT_A_ZIP = gettext_noop("This file is not a ZIP archive, or it is damaged.")
ZIP_UNREADABLE = gettext_noop("This ZIP archive cannot be read (%(error)s).")
TOO_MANY_ENTRIES = gettext_noop(
    "The archive holds %(count)s entries; the limit is %(limit)s. Split it into several archives."
)
UNPACKS_TOO_LARGE = gettext_noop("The archive would unpack to %(size)s MB; the limit is %(limit)s MB.")
CSV_TOO_MANY_ROWS = gettext_noop(
    "%(file)s has more than %(limit)s rows (IMPORT_MAX_CSV_ROWS); split it into several archives."
)
NO_PHOTOS = gettext_noop(
    "The archive holds no photos in person folders (one folder per person, named by name or employee ID)."
)
# every upper-case string above but the file's name
TEMPLATES = message_templates("import", globals(), names={n for n in globals() if n.isupper()} - {"CSV_NAME"})
# a rejected photo in the report: its file and why (a message of recognition's); nothing to translate
EXAMPLE = message_template("import.example", "%(file)s: %(message)s")
TEMPLATES.append(EXAMPLE)


def fill(template, **values):
    return template % values


def _not_a_photo(suffix):
    return fill(NOT_A_PHOTO, suffix=suffix or NO_SUFFIX)


class ArchiveRefused(ValueError):
    """The whole archive is refused, with a message for the user: a stored message (NOT_A_ZIP...),
    shown with message_text in the reader's language, kept as the job's error by the worker."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class EntryUnreadable(ValueError):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass
class Entry:
    """One photo to import: the person's folder, a name for the report, and
    how to read its bytes (late, so that only one photo is in memory)."""

    folder: str
    name: str
    read: object


@dataclass
class Row:
    employee_id: str
    name: str
    department: str
    folder: str


@dataclass
class Plan:
    entries: list = field(default_factory=list)
    rows: dict = field(default_factory=dict)  # folder -> Row
    skipped: list = field(default_factory=list)  # (name, reason)


# --- reading a ZIP ----------------------------------------------------------


def zip_open(file):
    """A ZipFile over an open binary file, with the archive-wide limits
    checked from its directory before anything is read."""
    try:
        archive = zipfile.ZipFile(file)
    except zipfile.BadZipFile:
        raise ArchiveRefused(NOT_A_ZIP) from None
    except (OSError, ValueError, EOFError) as exc:
        raise ArchiveRefused(fill(ZIP_UNREADABLE, error=exc)) from None
    members = archive.infolist()
    if len(members) > settings.IMPORT_MAX_FILES:
        raise ArchiveRefused(fill(TOO_MANY_ENTRIES, count=len(members), limit=settings.IMPORT_MAX_FILES))
    total = sum(m.file_size for m in members)
    if total > settings.IMPORT_MAX_UNCOMPRESSED_BYTES:
        size, limit = f"{total / 2**20:.0f}", f"{settings.IMPORT_MAX_UNCOMPRESSED_BYTES / 2**20:.0f}"
        raise ArchiveRefused(fill(UNPACKS_TOO_LARGE, size=size, limit=limit))
    return archive


def zip_plan(archive):
    plan = Plan()
    candidates = []
    for info in archive.infolist():
        if info.is_dir():
            continue
        problem = _member_problem(info)
        if problem:
            plan.skipped.append((info.filename, problem))
            continue
        candidates.append((PurePosixPath(info.filename).parts, info))
    # a ZIP made from a folder has that folder on top: look inside it
    tops = {parts[0] for parts, _ in candidates}
    if (
        len(tops) == 1
        and all(len(parts) > 1 for parts, _ in candidates)
        and not any(len(parts) == 2 and parts[1] != CSV_NAME for parts, _ in candidates)
    ):
        candidates = [(parts[1:], info) for parts, info in candidates]
    for parts, info in candidates:
        if parts == (CSV_NAME,):
            if info.file_size > CSV_MAX_BYTES:
                plan.skipped.append((info.filename, CSV_TOO_LARGE))
                continue
            try:
                text = _read_member(archive, info, CSV_MAX_BYTES).decode("utf-8-sig")
            except EntryUnreadable as exc:  # damaged (the library's words a value), or larger than it said
                plan.skipped.append((info.filename, exc.message))
                continue
            except UnicodeDecodeError:
                plan.skipped.append((info.filename, CSV_NOT_UTF8))
                continue
            _read_csv(text, plan)
        elif len(parts) == 1:
            plan.skipped.append((info.filename, NOT_IN_FOLDER))
        elif len(parts) > 2:
            plan.skipped.append((info.filename, IN_SUB_FOLDER))
        elif PurePosixPath(parts[1]).suffix.lower() not in IMAGE_SUFFIXES:
            plan.skipped.append((info.filename, _not_a_photo(PurePosixPath(parts[1]).suffix)))
        elif info.file_size > settings.UPLOAD_MAX_BYTES:
            plan.skipped.append((info.filename, TOO_LARGE))
        else:
            plan.entries.append(
                Entry(folder=parts[0], name=info.filename, read=lambda info=info: _read_member(archive, info))
            )
    plan.entries.sort(key=lambda e: (e.folder, e.name))
    return plan


def _member_problem(info):
    name = info.filename
    parts = PurePosixPath(name).parts
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        return SYMBOLIC_LINK
    if name.startswith(("/", "\\")) or "\\" in name or (parts and ":" in parts[0]):
        return ABSOLUTE_PATH
    if ".." in parts:
        return OUTSIDE_FOLDER
    if any(p.startswith(".") or p == "__MACOSX" for p in parts):
        return HIDDEN
    if PurePosixPath(name).suffix.lower() in ARCHIVE_SUFFIXES:
        return NESTED_ARCHIVE
    if info.flag_bits & 0x1:
        return ENCRYPTED
    if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return fill(INFLATES, ratio=MAX_RATIO)
    return None


def _read_member(archive, info, limit=None):
    limit = limit or settings.UPLOAD_MAX_BYTES
    try:
        with archive.open(info) as member:
            data = member.read(limit + 1)
    except (
        zipfile.BadZipFile,
        zlib.error,
        lzma.LZMAError,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise EntryUnreadable(fill(DAMAGED, error=exc)) from None
    if len(data) > limit:
        raise EntryUnreadable(TOO_LARGE)
    return data


def _read_csv(text, plan):
    reader = csv.DictReader(io.StringIO(text))
    fields = {(f or "").strip().lower() for f in reader.fieldnames or []}
    if "employee_id" not in fields:
        plan.skipped.append((CSV_NAME, CSV_NO_EMPLOYEE_ID))
        return
    limit = settings.IMPORT_MAX_CSV_ROWS
    for line, raw in enumerate(reader, start=2):
        if line - 1 > limit:
            # refused before any work: a 30,000-row file once held the only worker for minutes
            raise ArchiveRefused(fill(CSV_TOO_MANY_ROWS, file=CSV_NAME, limit=f"{limit:,}"))
        if any("\x00" in (k or "") or "\x00" in str(v or "") for k, v in raw.items()):
            # the database refuses NUL characters: lose this row, not the whole import
            plan.skipped.append((f"{CSV_NAME} line {line}", CSV_NUL))
            continue
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if isinstance(v, str)}
        employee_id = row.get("employee_id", "")
        if not employee_id or len(employee_id) > 64:
            plan.skipped.append((f"{CSV_NAME} line {line}", CSV_BAD_EMPLOYEE_ID))
            continue
        folder = row.get("folder") or employee_id
        plan.rows[folder] = Row(
            employee_id=employee_id,
            name=row.get("name", "")[:200],
            department=row.get("department", "")[:100],
            folder=folder,
        )


# --- reading a folder (the enroll command) ------------------------------------


def folder_plan(root, per_person=None):
    plan = Plan()
    root = Path(root)
    csv_path = root / CSV_NAME
    if csv_path.is_file():
        _read_csv(csv_path.read_text(encoding="utf-8-sig"), plan)
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        photos = []
        for path in sorted(p for p in folder.iterdir() if not p.name.startswith(".")):
            if not path.is_file() or path.is_symlink():
                plan.skipped.append((f"{folder.name}/{path.name}", NOT_REGULAR_FILE))
            elif path.suffix.lower() not in IMAGE_SUFFIXES:
                plan.skipped.append((f"{folder.name}/{path.name}", _not_a_photo(path.suffix)))
            else:
                photos.append(path)
        for path in photos[:per_person] if per_person else photos:
            plan.entries.append(
                Entry(folder=folder.name, name=f"{folder.name}/{path.name}", read=lambda path=path: _read_file(path))
            )
    return plan


def _read_file(path):
    limits = upload_limits()
    try:
        imaging.check_size(path.stat().st_size, limits)
        return path.read_bytes()
    except imaging.ImageRejected as exc:
        raise EntryUnreadable(exc.message) from None
    except OSError as exc:
        raise EntryUnreadable(fill(CANNOT_READ, error=exc.strerror)) from None


# --- running an import --------------------------------------------------------


@dataclass
class Report:
    people_created: list = field(default_factory=list)
    people_updated: list = field(default_factory=list)
    people_existing: int = 0
    accepted: int = 0
    already: int = 0
    rejected: Counter = field(default_factory=Counter)  # reason code -> count
    examples: dict = field(default_factory=dict)  # reason code -> a few "file: message"
    duplicates: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    skipped_more: int = 0
    enrolled_people: set = field(default_factory=set)

    def skip(self, name, reason):
        if len(self.skipped) < REPORT_LINES:
            self.skipped.append({"name": name, "reason": reason})
        else:
            self.skipped_more += 1

    def reject(self, name, code, message):
        self.rejected[code] += 1
        examples = self.examples.setdefault(code, [])
        if len(examples) < 5:
            examples.append(EXAMPLE % {"file": name, "message": message})

    def as_dict(self):
        return {
            "people_created": self.people_created[:REPORT_LINES],
            "people_created_count": len(self.people_created),
            "people_updated": self.people_updated[:REPORT_LINES],
            "people_updated_count": len(self.people_updated),
            "people_existing": self.people_existing,
            "photos_accepted": self.accepted,
            "photos_already": self.already,
            "photos_rejected": sum(self.rejected.values()),
            "rejected": [
                {"code": code, "label": REASON_LABELS.get(code, code), "count": n, "examples": self.examples[code]}
                for code, n in self.rejected.most_common()
            ],
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "skipped_more": self.skipped_more,
        }


# photos encoded together: their faces go through the network as one batch
ENCODE_BATCH = 8


def people_import(*, plan, on_progress=None, department=None):
    """Create or update the people of a plan and enroll their photos, each
    encoded here with the workers' rules. Returns a Report. Running it again
    on the same photos adds nothing (a photo is stored once per person).
    `department`: where everyone of the archive goes, unless people.csv names
    another for them."""
    from recognition.processing import face_photos_encode  # dlib: workers and commands only

    report = Report()
    for name, reason in plan.skipped:
        report.skip(name, reason)
    people = {}
    for folder in sorted({e.folder for e in plan.entries} | set(plan.rows)):
        try:
            people[folder] = _person_for(folder, plan.rows.get(folder), report, department)
        except EntryUnreadable as exc:
            report.skip(folder, exc.message)
    limits = upload_limits()
    for first in range(0, len(plan.entries), ENCODE_BATCH):
        chunk = plan.entries[first : first + ENCODE_BATCH]
        # one transaction a batch: a commit per photo cost more than encoding it on SQLite
        with transaction.atomic():
            pending = []
            for entry in chunk:
                person = people.get(entry.folder)
                photo = _import_photo(person, entry, limits, report) if person is not None else None
                if photo is not None:
                    pending.append((entry, photo))
            face_photos_encode(photos=[photo for _, photo in pending])
            for entry, photo in pending:
                _report_photo(entry, photo, report)
        if on_progress:
            on_progress(first + len(chunk))
    return report


def _person_for(folder, row, report, chosen=None):
    if row is not None:
        department = Department.objects.get_or_create(name=row.department)[0] if row.department else chosen
        name = row.name or folder.replace("_", " ")
        person = Person.objects.filter(employee_id=row.employee_id).first()
        if person is None:
            person = Person.objects.create(employee_id=row.employee_id, name=name, department=department)
            report.people_created.append(str(person))
        elif person.name != name or (department and person.department_id != department.pk):
            person.name = name
            person.department = department or person.department
            person.save(update_fields=["name", "department", "updated_at"])
            report.people_updated.append(str(person))
        else:
            report.people_existing += 1
        return person
    if len(folder) > 64:
        raise EntryUnreadable(FOLDER_TOO_LONG)
    person = Person.objects.filter(employee_id=folder).first()
    if person is None:
        same_name = list(Person.objects.filter(name=folder.replace("_", " "))[:2])
        person = same_name[0] if len(same_name) == 1 else None
    if person is None:
        person = Person.objects.create(employee_id=folder, name=folder.replace("_", " ")[:200], department=chosen)
        report.people_created.append(str(person))
    elif chosen is not None and person.department_id != chosen.pk:
        person.department = chosen
        person.save(update_fields=["department", "updated_at"])
        report.people_updated.append(str(person))
    else:
        report.people_existing += 1
    return person


def _import_photo(person, entry, limits, report):
    """Store one photo of the archive; the photo, claimed for encoding here, or None when there is nothing to do."""
    try:
        data = entry.read()
        imaging.decode(data, limits)
    except EntryUnreadable as exc:
        report.skip(entry.name, exc.message)
        return None
    except imaging.ImageRejected as exc:
        report.reject(entry.name, "unreadable", exc.message)
        return None
    photo, outcome = photo_claim(person=person, data=data, filename=PurePosixPath(entry.name).name)
    if outcome == "already":
        _report_photo(entry, photo, report, already=True)
        return None
    return photo


def _report_photo(entry, photo, report, already=False):
    person = photo.person
    if already:
        report.already += 1
        if photo.status == FacePhoto.Status.ACCEPTED:
            report.enrolled_people.add(person.pk)
    elif photo.status == FacePhoto.Status.ACCEPTED:
        report.accepted += 1
        report.enrolled_people.add(person.pk)
    elif photo.status == FacePhoto.Status.REVIEW:
        look = photo.lookalike
        report.duplicates.append(
            {
                "file": entry.name,
                "photo_id": photo.pk,
                "person": person.name,
                "employee_id": person.employee_id,
                "lookalike": look.name if look else None,
                "lookalike_employee_id": look.employee_id if look else None,
                "distance": round(photo.lookalike_distance or 0, 3),
            }
        )
    else:
        report.reject(entry.name, photo.reason_code, photo.reason)


def photo_claim(*, person, data, filename):
    """Store one photo for a person and claim it for encoding here.

    Returns (photo, outcome): "already" when the same picture is already
    accepted, awaiting review or being encoded; otherwise "claimed". A photo
    rejected before is checked again (the thresholds may have changed).
    """
    photo, created = person_photo_add(person=person, data=data, filename=filename, queue=False)
    # claim like a worker would: a queued photo may also have a task on its way
    claimed = FacePhoto.objects.filter(
        pk=photo.pk, status__in=[FacePhoto.Status.QUEUED, FacePhoto.Status.REJECTED]
    ).update(status=FacePhoto.Status.ENCODING, claimed_at=timezone.now())
    if not claimed:
        photo.refresh_from_db()
        return photo, "already"
    return FacePhoto.objects.select_related("person").get(pk=photo.pk), "claimed"
