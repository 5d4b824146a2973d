import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recognition import evaluation

DEFAULT_THRESHOLDS = [round(0.40 + 0.01 * i, 2) for i in range(17)]  # 0.40 .. 0.56


def percent(rate):
    return "-" if rate is None else f"{100 * rate:.1f}%"


class Command(BaseCommand):
    help = (
        "Measure recognition on a folder of labelled faces: known/<person>/* and unknown/<person>/*. "
        "Enrolls the first K photos of each known person into a scratch gallery (never the live one), "
        "probes with the rest and with every stranger, and prints acceptance and refusal rates per "
        "operating point; writes a plot (PNG) and the figures (JSON)."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", default=None, help="default: ../shared/lfw-dev")
        parser.add_argument("--per-person", type=int, default=2, metavar="K", help="photos enrolled per person")
        parser.add_argument("--thresholds", type=float, nargs="+", default=DEFAULT_THRESHOLDS, metavar="T")
        parser.add_argument("--half", choices=["even", "odd"], help="probe only every other person (held-out half)")
        parser.add_argument(
            "--encoding", default=None, metavar="VERSION", help="encoding version (default: FACE_ENCODING_VERSION)"
        )
        parser.add_argument(
            "--enroll-jitters",
            type=int,
            default=1,
            metavar="N",
            help="enrollment templates as the mean of N jittered copies (probes stay plain)",
        )
        parser.add_argument("--out", default=None, help="folder for the PNG and JSON (default: bench/results/)")

    def handle(self, directory, per_person, thresholds, half, out, encoding, enroll_jitters, **options):
        from recognition import processing  # loads dlib: only when the command runs

        root = Path(directory) if directory else settings.BASE_DIR.parent / "shared" / "lfw-dev"
        if per_person < 1:
            raise CommandError("--per-person must be at least 1.")
        try:
            photos = evaluation.dataset(root)
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from None
        if not photos:
            raise CommandError(f"{root}: no photos found.")
        quiet = options["verbosity"] == 0
        started = time.monotonic()
        with tqdm(total=len(photos), unit="photo", desc="encoding", disable=quiet, file=self.stderr) as bar:
            encodings, stats = evaluation.encode_photos(
                photos,
                options=processing.detect_options(encoding or settings.FACE_ENCODING_VERSION),
                progress=lambda i, n, s: bar.update(1),
            )
        if enroll_jitters > 1:
            encodings = self._jittered_templates(photos, encodings, per_person, enroll_jitters, encoding, quiet)
        self.stdout.write(
            f"{len(photos)} photos: {stats['cached']} from the cache, {stats['encoded']} encoded "
            f"in {stats['seconds']} s; no face found in {len(stats['no_face'])}, "
            f"several faces (the central one used) in {len(stats['several_faces'])}."
        )
        for path in stats["no_face"]:
            self.stdout.write(f"  no face: {path}")
        for path, message in stats["unreadable"]:
            self.stdout.write(f"  unreadable: {path}: {message}")
        chosen = processing.decision_rule(encoding or settings.FACE_ENCODING_VERSION)
        with tqdm(total=2 * len(thresholds), unit="point", desc="deciding", disable=quiet, file=self.stderr) as bar:
            report = evaluation.evaluate(
                photos,
                encodings,
                per_person=per_person,
                thresholds=sorted(thresholds),
                chosen=chosen,
                half=half,
                progress=lambda i, n, s: bar.update(1),
                version=encoding or settings.FACE_ENCODING_VERSION,
            )
        report["dataset"] = str(root)
        report["encoding"] = {k: (len(v) if isinstance(v, list) else v) for k, v in stats.items()}
        self._print(report)
        folder = Path(out) if out else settings.BASE_DIR / "bench" / "results"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"accuracy-{root.name}-k{per_person}" + (f"-{half}" if half else "")
        (folder / f"{name}.json").write_text(json.dumps(report, indent=1))
        plot(report, folder / f"{name}.png")
        self.stdout.write(f"Wrote {folder / name}.json and .png in {time.monotonic() - started:.0f} s.")

    def _jittered_templates(self, photos, encodings, per_person, jitters, encoding, quiet):
        """The enrollment photos' encodings replaced by the mean of `jitters` jittered copies."""
        import dataclasses

        from recognition import processing

        seen, chosen = {}, []
        for i, photo in enumerate(photos):
            if photo.known:
                seen[photo.person] = seen.get(photo.person, 0) + 1
                if seen[photo.person] <= per_person:
                    chosen.append(i)
        options = dataclasses.replace(
            processing.detect_options(encoding or settings.FACE_ENCODING_VERSION), jitters=jitters
        )
        with tqdm(total=len(chosen), unit="photo", desc="jittering", disable=quiet, file=self.stderr) as bar:
            jittered, _ = evaluation.encode_photos(
                [photos[i] for i in chosen], options=options, progress=lambda i, n, s: bar.update(1)
            )
        encodings = list(encodings)
        for i, vector in zip(chosen, jittered, strict=True):
            encodings[i] = vector
        return encodings

    def _print(self, report):
        w = self.stdout.write
        w(
            f"{report['people_enrolled']} people enrolled ({report['templates']} templates, "
            f"{len(report['enrollment_photos_without_face'])} enrollment photos without a face); "
            f"{report['genuine_probes']} genuine probes, {report['stranger_probes']} strangers"
            + (f" (half: {report['half']})" if report["half"] else "")
        )
        w(f"rank-1 accuracy (nearest person right, no threshold): {percent(report['rank1_accuracy'])}")
        header = "rule        threshold  genuine  wrong-person  strangers  held-out  genuine-refused"
        for kind, points in report["curves"].items():
            w(header)
            for p in points:
                w(self._row(kind, p))
        w("modes (FACE_MATCH_MODE):")
        for mode, p in report["modes"].items():
            w(self._row(mode, p))
        w("current settings:")
        w(self._row("chosen", report["chosen"]))
        frames = report["frames"]
        w(f"two-frame attempts ({frames['attempts']}), current settings:")
        for how in ("single", "mean", "vote"):
            f = frames[how]
            w(
                f"  {how:7s} genuine {percent(f['genuine_acceptance'])}, wrong person "
                f"{percent(f['wrong_person_acceptance'])}, held-out strangers {percent(f['heldout_acceptance'])}"
            )
        g = report["growth"]
        w(
            f"template growth ({g['people']} people, {g['templates_added']} added): genuine "
            f"{percent(g['without']['genuine_acceptance'])} -> {percent(g['with']['genuine_acceptance'])}, strangers "
            f"{percent(g['without']['stranger_acceptance'])} -> {percent(g['with']['stranger_acceptance'])}"
        )

    @staticmethod
    def _row(kind, p):
        return (
            f"{kind:10s}  {p['threshold']:9.3f}  {percent(p['genuine_acceptance']):>7s}  "
            f"{percent(p['wrong_person_acceptance']):>12s}  {percent(p['stranger_acceptance']):>9s}  "
            f"{percent(p['heldout_acceptance']):>8s}  {percent(p['genuine_refused']):>15s}"
        )


def plot(report, path):
    """Genuine acceptance against stranger acceptance, one curve per rule, the modes marked."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(7, 4.5), dpi=110)
    styles = {"calibrated": ("tab:blue", "calibrated (average face + look-alike)"), "plain": ("tab:grey", "plain")}
    for kind, points in report["curves"].items():
        colour, label = styles[kind]
        xs = [100 * p["stranger_acceptance"] for p in points]
        ys = [100 * p["genuine_acceptance"] for p in points]
        axes.plot(xs, ys, "o-", color=colour, markersize=3, label=f"{label}: strangers")
        hx = [100 * (p["heldout_acceptance"] or 0) for p in points]
        axes.plot(hx, ys, "--", color=colour, linewidth=1, label=f"{label}: held-out enrolled people")
    for mode, p in report["modes"].items():
        x, y = 100 * p["stranger_acceptance"], 100 * p["genuine_acceptance"]
        axes.plot([x], [y], "s", color="tab:red")
        axes.annotate(f"{mode} ({p['threshold']})", (x, y), textcoords="offset points", xytext=(6, -10), fontsize=8)
    axes.set_xlabel("strangers accepted as someone enrolled (%)")
    axes.set_ylabel("genuine probes accepted as the right person (%)")
    axes.set_xlim(0, 10)
    axes.set_ylim(50, 100)
    axes.grid(alpha=0.3)
    axes.set_title(
        f"{report['people_enrolled']} people, {report['per_person']} photo(s) each; "
        f"{report['genuine_probes']} genuine, {report['stranger_probes']} strangers",
        fontsize=9,
    )
    axes.legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)
