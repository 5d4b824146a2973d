"""What a camera's health says went wrong, stored in English.

The runner writes these into Camera.last_error (and warning, address_test_text) as a code
and its values ("camera." and the constant's lower-case name: never rename one); the portal
shows them in the reader's language (portal.core.messages). `_` only marks them for makemessages.
"""

from django.utils.translation import gettext_noop as _

from portal.core.messages import message_templates

# Health says whether the camera's stream was read, not what answered instead (a refused port, a
# database, a web page): the details go to the runner's log only.
NO_STREAM = _("No video stream could be read at this address; the runner's log says more.")
NO_PICTURE = _("The snapshot URL did not give a picture; the runner's log says more.")
NOT_ALLOWED = _("This address is not allowed for cameras (CAMERA_ALLOWED_HOSTS, CAMERA_ALLOWED_PORTS).")
CREDENTIALS_REFUSED = _("Wrong user name or password: the camera refused them (%(status)s).")
ENDED = _("The stream ended.")
READER_FAILED = _("Reading the stream failed; see the runner's log.")
ANALYSIS_FAILED = _("Analysing a frame failed; see the runner's log.")
# the address test when a camera is saved (portal.cameras.probe)
ADDRESS_WORKS = _("A picture of %(width)sx%(height)s pixels was read at this address.")
ADDRESS_NOTHING = _("Nothing was read at this address within %(seconds)s seconds.")

# warnings: the stream reads, but what the runner makes of it is not to be trusted
NO_FACES_DARK = _(
    "No face found for %(minutes)s minutes while reading: the picture is very dark (brightness %(level)s of 255)."
)
NO_FACES_BLURRED = _(
    "No face found for %(minutes)s minutes while reading: the picture is blurred or out of focus "
    "(sharpness %(sharpness)s)."
)
NO_FACES_STILL = _(
    "No face found for %(minutes)s minutes while reading: nothing moved in the picture; is the camera "
    "pointed at where people pass?"
)
NO_FACES_SMALL = _(
    "No face found for %(minutes)s minutes while reading, though the picture moves: faces may be "
    "narrower than the camera's minimum face size (%(min_face)s px), outside its region, or turned away."
)
TOO_SLOW = _(
    "Analysis too slow to follow people: %(rate)s frames a second analysed, at least %(minimum)s needed. "
    "Give the runner more CPU or fewer cameras."
)
SHEDDING = _(
    "Analysing %(rate)s of the %(asked)s frames a second asked: the runner shares its CPU evenly "
    "between its %(cameras)s cameras."
)

ALL = message_templates("camera", globals())
