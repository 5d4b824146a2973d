"""How the portal signs door commands and alerts, and checks the door agent's reports.

One scheme and one verifier for both ends: they live in the door agent's
package (door-agent/doors_agent/signing.py, standard library only), which the
portal installs beside itself, so a change to the wire format cannot reach one
end and not the other. A controller written elsewhere copies that file.
"""

from doors_agent.signing import HEADER, Signed, message_sign, message_verify, signature_make, signature_verify

__all__ = ["HEADER", "Signed", "message_sign", "message_verify", "signature_make", "signature_verify"]
