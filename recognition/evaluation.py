"""Accuracy of the decision rule on a folder of labelled faces (no Django).

The folder holds known/<person>/* (people to enroll and probe) and
unknown/<person>/* (strangers who must match nobody). The first K photos of
each known person (sorted by file name) go into a scratch gallery; every
other known photo is a genuine probe and every unknown photo a stranger
probe. Each probe is decided exactly as a worker decides a face.

Encoding is the slow part (dlib, about 0.1-0.2 s per photo on one core), so
encodings are cached on disk outside the repository, keyed by the file's
path, size and modification time and by the engine's model and options.
"""

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
CACHE_DIR = Path(os.environ.get("PORTAL_EVAL_CACHE", Path.home() / ".cache" / "portal-eval"))


@dataclass(frozen=True)
class Photo:
    person: str
    path: Path
    known: bool  # False: a stranger, in unknown/


def dataset(root):
    """Every photo under root/known and root/unknown, sorted by person then file name."""
    root = Path(root)
    if not (root / "known").is_dir():
        raise ValueError(f"{root} has no known/ folder (expected known/<person>/* and unknown/<person>/*).")
    photos = []
    for part, known in (("known", True), ("unknown", False)):
        folder = root / part
        if not folder.is_dir():
            continue
        for person in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
            for path in sorted(person.iterdir()):
                if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES:
                    photos.append(Photo(person=person.name, path=path, known=known))
    return photos


# --- encodings, cached on disk --------------------------------------------------


def _key(path, options_tag):
    stat = path.stat()
    return f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{options_tag}"


class EncodingCache:
    """(face count, encoding of the central face or None) by key, in one .npz file."""

    def __init__(self, path):
        self.path = Path(path)
        self.entries = {}
        if self.path.exists():
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    for key, vector, count in zip(data["keys"], data["vectors"], data["faces"], strict=True):
                        self.entries[str(key)] = (int(count), vector.astype(np.float32) if count else None)
            except (OSError, ValueError, KeyError):
                self.entries = {}  # a damaged cache is only lost time: start again

    def save(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self.entries)
        sizes = [len(v) for _, v in self.entries.values() if v is not None]
        vectors = np.zeros((len(keys), sizes[0] if sizes else 1), dtype=np.float32)
        counts = np.zeros(len(keys), dtype=np.int32)
        for i, key in enumerate(keys):
            counts[i], vector = self.entries[key]
            if vector is not None:
                vectors[i] = vector
        temporary = self.path.with_name(self.path.stem + ".tmp.npz")
        np.savez(temporary, keys=np.array(keys, dtype=str), vectors=vectors, faces=counts)
        os.replace(temporary, self.path)


def central_face(faces, size):
    """The face whose centre is nearest the image centre.

    Dataset photos such as LFW's are crops centred on the labelled person;
    other faces at the edges are bystanders.
    """
    width, height = size

    def off_centre(face):
        top, right, bottom, left = face.box
        return ((left + right) / 2 - width / 2) ** 2 + ((top + bottom) / 2 - height / 2) ** 2

    return min(faces, key=off_centre) if faces else None


def encode_photos(photos, *, options=None, cache_dir=None, progress=None):
    """Encoding of each photo (None when no face was found), cached on disk.

    Returns (encodings list aligned with photos, stats dict).
    """
    from recognition import engine, imaging  # loads dlib

    options = options or engine.DetectOptions()
    tag = f"{options.version}|side={options.max_side}|up={options.upsample_when_empty}|j={options.jitters}"
    if options.detector != "hog":  # HOG's tag stays as it was: the caches made before keep their keys
        tag += f"|det={options.detector}"
    cache = EncodingCache(Path(cache_dir or CACHE_DIR) / f"encodings-{hashlib.sha1(tag.encode()).hexdigest()[:12]}.npz")
    result, stats = [], {"cached": 0, "encoded": 0, "no_face": [], "several_faces": [], "unreadable": []}
    started, dirty = time.monotonic(), 0
    for i, photo in enumerate(photos):
        key = _key(photo.path, tag)
        if key in cache.entries:
            stats["cached"] += 1
        else:
            try:
                image, faces = engine.faces_in_bytes(photo.path.read_bytes(), imaging.Limits(), options)
            except imaging.ImageRejected as exc:
                stats["unreadable"].append((str(photo.path), exc.message))
                result.append(None)
                continue
            face = central_face(faces, image.size)
            cache.entries[key] = (len(faces), None if face is None else face.encoding)
            stats["encoded"] += 1
            dirty += 1
            if dirty >= 100:  # an interrupted run keeps most of its work
                cache.save()
                dirty = 0
        count, vector = cache.entries[key]
        if count > 1:
            stats["several_faces"].append(str(photo.path))
        if vector is None:
            stats["no_face"].append(str(photo.path))
        result.append(vector)
        if progress:
            progress(i + 1, len(photos), time.monotonic() - started)
    if dirty:
        cache.save()
    stats["seconds"] = round(time.monotonic() - started, 1)
    return result, stats


# --- the figures ------------------------------------------------------------------


@dataclass
class Split:
    templates: list  # (person, encoding) enrolled
    enroll_no_face: list  # paths of enrollment photos without a face (rejected, as enroll would)
    genuine: list  # (person, encoding or None, path)
    strangers: list  # (person, encoding or None, path)


def split(photos, encodings, *, per_person=2, half=None):
    """Enroll the first per_person photos of every known person; the rest are probes.

    half: None, "even" or "odd": keep only the probes of every other person
    (sorted by name), the gallery staying whole, to report on people the
    parameters were not tuned on.
    """
    result = Split([], [], [], [])
    seen, order = {}, {}
    for photo, encoding in zip(photos, encodings, strict=True):
        group = ("known" if photo.known else "unknown", photo.person)
        order.setdefault(group, sum(1 for g in order if g[0] == group[0]))
        keep = half is None or order[group] % 2 == (0 if half == "even" else 1)
        if photo.known:
            n = seen[photo.person] = seen.get(photo.person, 0) + 1
            if n <= per_person:
                if encoding is None:
                    result.enroll_no_face.append(str(photo.path))
                else:
                    result.templates.append((photo.person, encoding))
                continue
            if keep:
                result.genuine.append((photo.person, encoding, str(photo.path)))
        elif keep:
            result.strangers.append((photo.person, encoding, str(photo.path)))
    return result


def scratch_gallery(templates, leave_out=None, version=""):
    """A gallery of these templates only (never the live one); person ids are indexes into a sorted name list.

    version: the encodings' version, which says how a person's average face is made.
    """
    from recognition.gallery import Gallery

    rows = [(name, enc) for name, enc in templates if name != leave_out]
    return Gallery(
        matrix=np.vstack([enc for _, enc in rows]) if rows else None,
        labels=np.array([_person_id(name) for name, _ in rows], dtype=np.int64),
        encoding_version=version or "",
    )


_ids = {}


def _person_id(name):
    return _ids.setdefault(name, len(_ids) + 1)


def _person_name(person_id):
    return next(name for name, pid in _ids.items() if pid == person_id)


def _rate(n, total):
    return round(n / total, 5) if total else None


def operating_point(rule, known, genuine, strangers, holdout):
    """Counts and rates of one rule over every probe.

    holdout: genuine probes decided against galleries without their own
    person (dict name -> gallery): more strangers, from the same population.
    """
    g = {"accepted": 0, "wrong_person": 0, "refused": 0, "no_face": 0}
    for name, encoding, _ in genuine:
        if encoding is None:
            g["no_face"] += 1
            g["refused"] += 1
            continue
        match = known.search(encoding, rule)
        if not match.accepted:
            g["refused"] += 1
        elif match.person_id == _person_id(name):
            g["accepted"] += 1
        else:
            g["wrong_person"] += 1
    s = {"accepted": 0, "refused": 0, "no_face": 0}
    for _, encoding, _ in strangers:
        if encoding is None:
            s["no_face"] += 1
            s["refused"] += 1
        elif known.search(encoding, rule).accepted:
            s["accepted"] += 1
        else:
            s["refused"] += 1
    h = {"accepted": 0, "trials": 0}
    for name, encoding, _ in genuine:
        if encoding is not None and name in holdout:
            h["trials"] += 1
            h["accepted"] += holdout[name].search(encoding, rule).accepted
    return {
        "threshold": round(rule.threshold, 4),
        "genuine_acceptance": _rate(g["accepted"], len(genuine)),
        "wrong_person_acceptance": _rate(g["wrong_person"], len(genuine)),
        "genuine_refused": _rate(g["refused"], len(genuine)),
        "stranger_acceptance": _rate(s["accepted"], len(strangers)),
        "stranger_refused": _rate(s["refused"], len(strangers)),
        "heldout_acceptance": _rate(h["accepted"], h["trials"]),
        "counts": {"genuine": {**g, "total": len(genuine)}, "strangers": {**s, "total": len(strangers)}, "heldout": h},
    }


def rank1(known, genuine):
    """Share of genuine probes (with a face) whose nearest person is the right one, whatever the threshold."""
    from recognition.decision import CalibratedRule

    everything = CalibratedRule(threshold=10.0)
    faces = [(name, enc) for name, enc, _ in genuine if enc is not None]
    right = sum(known.search(enc, everything).best_person_id == _person_id(name) for name, enc in faces)
    return _rate(right, len(faces))


def frames_figures(data, known, holdout, rule):
    """Two-frame attempts: a known person's two probe photos as the frames of one attempt.

    Compares the first frame alone, the mean encoding (decision.decide_frames)
    and a vote (both frames accepted as the same person). Strangers: the
    same pairs decided against galleries without their person.
    """
    from recognition.decision import decide_frames

    pairs = {}
    for name, enc, _ in data.genuine:
        if enc is not None:
            pairs.setdefault(name, []).append(enc)
    pairs = {name: encs[:2] for name, encs in pairs.items() if len(encs) >= 2}
    out = {"attempts": len(pairs)}
    for how in ("single", "mean", "vote"):
        right = wrong = stranger = 0
        for name, encs in pairs.items():
            for gallery, genuine in ((known, True), (holdout.get(name), False)):
                if gallery is None:
                    continue
                if how == "single":
                    match = gallery.search(encs[0], rule)
                    person = match.person_id if match.accepted else None
                elif how == "mean":
                    match = decide_frames(gallery, encs, rule)
                    person = match.person_id if match.accepted else None
                else:
                    votes = {gallery.search(e, rule).person_id for e in encs}  # None for a refusal
                    person = votes.pop() if len(votes) == 1 else None
                if person is not None and genuine:
                    right += person == _person_id(name)
                    wrong += person != _person_id(name)
                elif person is not None:
                    stranger += 1
        out[how] = {
            "genuine_acceptance": _rate(right, len(pairs)),
            "wrong_person_acceptance": _rate(wrong, len(pairs)),
            "heldout_acceptance": _rate(stranger, len(pairs)),
        }
    return out


def growth_figures(data, templates, rule, strangers, confident=0.1, version=""):
    """Template growth, simulated: a person's 1st probe photo, when accepted at least
    `confident` inside their threshold, joins their templates; their 2nd probe
    photo is then decided with and without it."""
    firsts, seconds = {}, {}
    for name, enc, _ in data.genuine:
        if enc is None:
            continue
        if name not in firsts:
            firsts[name] = enc
        elif name not in seconds:
            seconds[name] = enc
    people = [n for n in firsts if n in seconds]
    known = scratch_gallery(templates, version=version)
    grown_templates = list(templates)
    added = 0
    for name in people:
        match = known.search(firsts[name], rule)
        if match.accepted and match.person_id == _person_id(name) and match.distance <= match.threshold - confident:
            grown_templates.append((name, firsts[name]))
            added += 1
        elif match.accepted:
            # a wrong person's face joins their templates: the risk of growth, kept in the figures
            grown_templates.append((_person_name(match.person_id), firsts[name]))
    grown = scratch_gallery(grown_templates, version=version)

    def accept(gallery):
        return sum((m := gallery.search(seconds[n], rule)).accepted and m.person_id == _person_id(n) for n in people)

    def stranger_rate(gallery):
        faces = [enc for _, enc, _ in strangers if enc is not None]
        return _rate(sum(gallery.search(e, rule).accepted for e in faces), len(faces))

    return {
        "people": len(people),
        "templates_added": added,
        "without": {
            "genuine_acceptance": _rate(accept(known), len(people)),
            "stranger_acceptance": stranger_rate(known),
        },
        "with": {"genuine_acceptance": _rate(accept(grown), len(people)), "stranger_acceptance": stranger_rate(grown)},
    }


def evaluate(photos, encodings, *, per_person=2, thresholds=(), chosen=None, half=None, progress=None, version=None):
    """Every figure of the report, as a plain dict (JSON-ready)."""
    from recognition import decision, engine

    started = time.monotonic()
    data = split(photos, encodings, per_person=per_person, half=half)
    if not data.templates:
        raise ValueError("No known person has an enrollment photo with a face.")
    known = scratch_gallery(data.templates, version=version)
    names = sorted({name for name, _ in data.templates})
    probed = {n for n, _, _ in data.genuine}
    holdout = {name: scratch_gallery(data.templates, leave_out=name, version=version) for name in probed}
    chosen = chosen or decision.CalibratedRule()
    curves = {"calibrated": [], "plain": []}
    # the version's look-alike distance and same-face bound, with each threshold of the curve
    steps = [("calibrated", decision.rule_for(threshold=t, version=version)) for t in thresholds]
    steps += [("plain", engine.DecisionRule(threshold=t)) for t in thresholds]
    for i, (kind, rule) in enumerate(steps):
        curves[kind].append(operating_point(rule, known, data.genuine, data.strangers, holdout))
        if progress:
            progress(i + 1, len(steps), time.monotonic() - started)
    modes = {
        mode: operating_point(
            decision.rule_for(mode=mode, version=version), known, data.genuine, data.strangers, holdout
        )
        for mode in decision.MODES
    }
    return {
        "per_person": per_person,
        "half": half,
        "people_enrolled": len(names),
        "templates": len(data.templates),
        "enrollment_photos_without_face": data.enroll_no_face,
        "genuine_probes": len(data.genuine),
        "stranger_probes": len(data.strangers),
        "probes_without_face": [p for _, e, p in data.genuine + data.strangers if e is None],
        "rank1_accuracy": rank1(known, data.genuine),
        "chosen": {"rule": _describe(chosen), **operating_point(chosen, known, data.genuine, data.strangers, holdout)},
        "modes": modes,
        "curves": curves,
        "frames": frames_figures(data, known, holdout, chosen),
        "growth": growth_figures(data, data.templates, chosen, data.strangers, version=version),
        "seconds": round(time.monotonic() - started, 1),
    }


def _describe(rule):
    return {key: value for key, value in vars(rule).items() if not key.startswith("_")}
