"""Stored English sentences read back in the reader's language (portal.web.reasons),
from the templates each app registers in portal.core.messages."""

import re

from django.utils import translation

from portal.core.messages import patterns
from portal.web.reasons import explanation_text, reason_text


def filled(template, value="Lab 2"):
    return re.sub(r"%\((\w+)\)s", value, template)


def test_every_app_registers_its_templates():
    from portal.access.rules import WHY
    from portal.access.texts import ALERTS
    from portal.cameras.texts import ALL as CAMERA
    from portal.people.imports import TEMPLATES
    from recognition import texts

    registered = {template for _, template in patterns("reasons")}
    assert {*texts.ALL, *ALERTS, *CAMERA, *TEMPLATES} <= registered
    assert set(WHY) == {template for _, template in patterns("why")}


def test_every_sentence_reads_back_with_its_own_template_in_chinese():
    # the more specific of two templates that both fit wins, whatever order the apps registered in:
    # "The video is 3x3; the limit is 3 megapixels." was read with the "%(size)s; ... %(limit)s" one
    with translation.override("zh-hans"):
        for kind, show in (("reasons", reason_text), ("why", explanation_text)):
            for _, template in patterns(kind):
                wanted = translation.gettext(template) % dict.fromkeys(re.findall(r"%\((\w+)\)s", template), "3")
                assert show(filled(template, "3")) == wanted, template
