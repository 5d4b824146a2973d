"""The fixture photos (public domain, see fixtures/README.md) by role."""

import io
from pathlib import Path

from PIL import Image

FIXTURES = Path(__file__).parent / "fixtures"

OBAMA = FIXTURES / "obama_oval_office_portrait_2012-12-06.jpg"
OBAMA_2 = FIXTURES / "obama_joint_session_2009-09-09.jpg"
OBAMA_3 = FIXTURES / "obama_blue_room_2010-05-10.jpg"
BIDEN = FIXTURES / "biden_blue_room_2010-05-10.jpg"
OBAMA_AND_BIDEN = FIXTURES / "obama_biden_blue_room_2010_crop.jpg"
STRANGER = FIXTURES / "eileen_collins_nasa_astronaut.png"


def read(path):
    return Path(path).read_bytes()


def jpeg(image, **options):
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90, **options)
    return out.getvalue()


def no_face_jpeg(size=(640, 480)):
    """A real JPEG with nothing like a face in it."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    return jpeg(image)
