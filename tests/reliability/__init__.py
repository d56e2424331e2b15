"""The fault suite (issue 7): every endpoint levkit calls, under every fault, over loopback."""
