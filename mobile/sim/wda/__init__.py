"""The simulated iPhone as the real appium-xcuitest-driver sees it: a WebDriverAgent HTTP surface
(`server.py`, `commands.py`), a simulated usbmuxd with lockdownd and installation_proxy (`usbmuxd.py`)
and the predicate-string subset WDA's lookups need (`predicate.py`)."""
