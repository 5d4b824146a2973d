"""The sentences recognition stores or hands back for people to read, in English.

The engine stays free of Django, so nothing here is translated. Each sentence is a
template of portal.core.messages (which imports no Django): its code is "recognition."
and the constant's lower-case name (never rename one), and a row keeps that code and the
values, which the portal shows in the reader's language (portal.core.messages.message_text).
`gettext_noop` is only the name `makemessages` looks for.
"""

from portal.core.messages import message_templates


def gettext_noop(message):
    return message


def fill(template, **values):
    return template % {key: str(value) for key, value in values.items()}


# imaging: uploads that cannot be used
EMPTY = gettext_noop("The file is empty.")
TOO_LARGE = gettext_noop("The file is %(size)s; the limit is %(limit)s.")
NOT_IMAGE = gettext_noop("This file is not an image we can read; upload a JPEG, PNG, WebP, GIF, BMP or TIFF.")
DAMAGED = gettext_noop("The image is damaged or incomplete (%(error)s).")
TOO_MANY_PIXELS = gettext_noop(
    "The image is %(width)sx%(height)s (%(megapixels)s megapixels); the limit is %(limit)s megapixels."
)

# quality: faces not good enough to enroll
TOO_SMALL = gettext_noop(
    "The face is too small (%(width)s pixels wide; at least %(minimum)s are needed). "
    "Move closer to the camera or use a larger photo."
)
CUT_OFF = gettext_noop(
    "The face is cut off by the edge of the photo. Use a photo with the whole face and some space around it."
)
TOO_DARK = gettext_noop(
    "The face is too dark (brightness %(brightness)s of 255; at least %(minimum)s). "
    "Turn on more light or face a window."
)
WASHED_OUT = gettext_noop(
    "The face is washed out (brightness %(brightness)s of 255; at most %(maximum)s). "
    "Avoid a flash or strong light straight on the face."
)
BLURRY = gettext_noop(
    "The face is blurry (sharpness %(sharpness)s; at least %(minimum)s is needed). "
    "Hold the camera still and make sure it is in focus."
)

# processing: enrollment photos and captures
PHOTO_MISSING = gettext_noop("The photo's file is missing from storage; upload it again.")
NO_FACE = gettext_noop("No face was found. Use a photo where the face is clearly visible and upright.")
SEVERAL_FACES = gettext_noop(
    "%(count)s faces were found and none is clearly the main one; "
    "an enrollment photo must show only the person being enrolled."
)
NEAR_DUPLICATE = gettext_noop(
    "This photo is almost the same as photo %(twin)s this person already has, so it adds nothing. "
    "Use a photo taken at another moment, angle or light."
)
LOOKALIKE = gettext_noop(
    "This face looks like %(name)s, employee %(employee_id)s (distance %(distance)s). "
    "An admin must decide whether it is the same person entered twice."
)
LOOKALIKE_ERASED = gettext_noop("This face looked like a person whose record has since been erased.")
PICTURE_MISSING = gettext_noop("The picture's file is missing from storage.")
NOT_VERIFIED = gettext_noop("Not verified")
REENCODE_MISSING = gettext_noop(
    "The photo's file is missing from storage, so it could not be re-encoded for the current "
    "recognition version; upload the photo again."
)

# tasks: work that took too long or broke
PHOTO_TOO_LONG = gettext_noop("Encoding this photo took too long; try a smaller photo.")
PHOTO_BROKEN = gettext_noop("This photo could not be processed because of an internal error.")
CAPTURE_TOO_LONG = gettext_noop("Recognition took too long; try a smaller picture.")
CAPTURE_BROKEN = gettext_noop("This picture could not be processed because of an internal error.")
REENCODE_TOO_LONG = gettext_noop("Re-encoding a slice of photos took too long.")
REENCODE_BROKEN = gettext_noop(
    "Re-encoding stopped because of an internal error; start it again from the encodings page."
)
# videos: uploads that cannot be used (recognition.video)
VIDEO_NOT_VIDEO = gettext_noop(
    "This file is not a video we can read; upload an MP4, MOV, MKV, WebM, AVI or MPEG video."
)
VIDEO_TOO_LARGE = gettext_noop("The video is %(size)s; the limit is %(limit)s.")
VIDEO_NO_PICTURE = gettext_noop("This file holds no video picture (sound only?).")
VIDEO_UNDECODABLE = gettext_noop("The video holds no picture that can be decoded.")
VIDEO_DAMAGED = gettext_noop("The video is damaged or incomplete (%(error)s).")
VIDEO_TOO_MANY_PIXELS = gettext_noop("The video is %(width)sx%(height)s; the limit is %(limit)s megapixels.")
VIDEO_DURATION = gettext_noop("The video lasts %(seconds)s seconds; the limit is %(limit)s seconds.")
VIDEO_MISSING = gettext_noop("The video's file is missing from storage.")
VIDEO_TOO_LONG = gettext_noop("Recognizing this video took too long; try a shorter video.")
VIDEO_BROKEN = gettext_noop("This video could not be processed because of an internal error.")

ALL = message_templates("recognition", globals())
