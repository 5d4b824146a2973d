"""What a camera's health says went wrong, stored in English.

The runner writes these into Camera.last_error in no one reader's language;
the portal shows them in the reader's (portal.web.reasons matches a stored
sentence back to its template here). `_` only marks them for makemessages.
"""

from django.utils.translation import gettext_noop as _

NOTHING = _("nothing")
NO_VIDEO = _("The stream has no video (only %(kinds)s).")
CANNOT_REACH = _("Cannot reach the camera: %(error)s")
SNAPSHOT_HTTP = _("The snapshot URL answered HTTP %(status)s.")
SNAPSHOT_NOT_PICTURE = _("The snapshot URL did not answer a picture (%(type)s).")
CREDENTIALS_REFUSED = _("Wrong user name or password: the camera refused them (%(status)s).")
NOT_FOUND = _("The camera has nothing at this address (404): check the URL's path.")
REFUSED = _("Connection refused: nothing answers at this address and port.")
TIMEOUT = _("No answer from the camera within the time limit.")
INVALID_DATA = _("This is not a video stream FFmpeg can read (invalid data).")
ENDED = _("The stream ended.")
HTTP_ERROR = _("The camera answered an HTTP error: %(error)s")
CANNOT_READ = _("Cannot read the stream: %(error)s")
ANALYSIS_FAILED = _("Analysing a frame failed; see the runner's log.")

ALL = [value for name, value in list(globals().items()) if name.isupper() and isinstance(value, str)]
