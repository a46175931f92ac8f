"""AppiumDriver's error translation: what a user reads when the app is missing or Appium fails."""

from __future__ import annotations

import pytest

from mobile.drivers.appium import translate_error
from mobile.engine.driver import tap_point
from mobile.errors import AppMissing, DeviceError

ANDROID = ("A new session could not be created. Details: Cannot start the 'com.linkedin.android' application. "
           "Original error: Activity name 'com.linkedin.android/.authenticator.LaunchActivity' cannot be found: "
           "the package is not installed; For documentation on this error, please visit: https://example.invalid")
IOS = ("A new session could not be created. Details: The simulated phone refused the session request: A new "
       "session could not be created. Details: App with bundle identifier 'com.linkedin.LinkedIn' unknown")


@pytest.mark.parametrize("raw, detail", [
    (ANDROID, "Activity name 'com.linkedin.android/.authenticator.LaunchActivity' cannot be found: "
              "the package is not installed"),
    (IOS, "App with bundle identifier 'com.linkedin.LinkedIn' unknown"),
])
def test_app_missing_keeps_the_fix_and_the_innermost_detail(raw: str, detail: str) -> None:
    error = translate_error(RuntimeError(raw), "session")
    assert isinstance(error, AppMissing) and error.status == "app_missing"
    assert str(error) == f"LinkedIn is not installed on the device: install it and sign in, then run again ({detail})"


# What the real UiAutomator2 driver 8.7.0 answers when LinkedIn is not installed (noReset: no install check;
# appium-adb's startApp retries with a leading dot, then gives up), recorded through the simulated phone.
UIAUTOMATOR2 = ("Cannot start the 'com.linkedin.android' application. Consider checking the driver's troubleshooting "
                "documentation. Original error: Cannot start the 'com.linkedin.android' application. Consider "
                "checking the driver's troubleshooting documentation. Original error: Activity name "
                "'.com.linkedin.android.authenticator.LaunchActivity' used to start the app doesn't exist or cannot "
                "be launched! Make sure it exists and is a launchable activity")


def test_the_real_uiautomator2_words_for_a_missing_app_are_app_missing() -> None:
    error = translate_error(RuntimeError(UIAUTOMATOR2), "session")
    assert isinstance(error, AppMissing) and error.status == "app_missing"
    assert str(error) == ("LinkedIn cannot be started on the device (not installed, or its launch activity is not "
                          "exported): install it and sign in, then run again (Activity name "
                          "'.com.linkedin.android.authenticator.LaunchActivity' used to start the app doesn't exist "
                          "or cannot be launched! Make sure it exists and is a launchable activity)")


def test_uiautomator2_resolving_no_launcher_for_the_package_is_app_missing() -> None:
    """Without appActivity the real driver resolves the launcher first; a missing package fails there."""
    message = ("An unknown server-side error occurred while processing the command. Original error: Unable to "
               "resolve the launchable activity of 'com.linkedin.android'. Original error: No activity found")
    error = translate_error(RuntimeError(message), "could not start an Appium session")
    assert isinstance(error, AppMissing)
    assert str(error) == ("LinkedIn is not installed on the device (the driver found no launchable activity for it: "
                          "No activity found): install it and sign in, then run again")


def test_other_failures_are_device_errors_with_their_first_line() -> None:
    error = translate_error(RuntimeError("socket hang up\nstack trace here"), "Appium command failed")
    assert isinstance(error, DeviceError) and str(error) == "Appium command failed: socket hang up"


def test_tap_point_is_the_bounds_center_or_the_point() -> None:
    from mobile.core.tree import Bounds

    assert tap_point((10.6, 20.2)) == (10, 20)
    assert tap_point(Bounds(100, 200, 300, 401)) == (200, 300)
