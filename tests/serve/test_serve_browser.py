"""The student page in headless Chromium driven by Selenium (Debian's ``chromium-driver``),
against a real ``verifier serve`` (uvicorn) on a free loopback port.

A student picks a problem with the keyboard, types an answer key by key and watches the live
preview switch between "we cannot read this yet" and the answer's MathML; Enter submits, and
the feedback comes back in Korean.  A screenshot of each stage is saved under ``tmp_path``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest
from serve_helpers import free_port

CHROMIUM = next(
    (p for p in (shutil.which("chromium"), "/usr/bin/chromium") if p and os.path.exists(p)), None
)
DRIVER = next(
    (p for p in (shutil.which("chromedriver"), "/usr/bin/chromedriver") if p and os.path.exists(p)),
    None,
)
selenium = pytest.importorskip("selenium", reason="selenium is not installed (the test extra)")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="headless Chromium and its driver are not installed "
    "(Debian: apt-get install chromium chromium-driver)",
)


@pytest.fixture
def server(tmp_path) -> Iterator[str]:
    """``verifier serve`` on a free loopback port, stopped after the test."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "verifier", "serve", "--port", str(port), "--time-limit", "20",
        "--database", f"sqlite:///{tmp_path / 'class.sqlite'}", "--workers", "2",
    ]  # fmt: skip
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url + "/api/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the server did not start:\n" + (tmp_path / "server.log").read_text())
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=420,1000", f"--user-data-dir={tmp_path / 'profile'}"):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver, condition, seconds: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds, poll_frequency=0.1).until(condition)


def test_type_see_the_preview_submit_read_korean_feedback(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(server + "/?lang=ko")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"

    # the keyboard picks the problem: Tab to the first radio, arrows to "chain" (sin(x^2))
    first = browser.find_element(By.CSS_SELECTOR, "input[name=problem]")
    first.send_keys(Keys.SPACE)
    radios = browser.find_elements(By.CSS_SELECTOR, "input[name=problem]")
    ids = [r.get_attribute("value") for r in radios]
    for _ in range(ids.index("chain")):
        browser.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    assert browser.find_element(By.CSS_SELECTOR, "input[value=chain]").is_selected()

    name = browser.find_element(By.ID, "student")
    for ch in "김하늘":
        name.send_keys(ch)
    answer = browser.find_element(By.ID, "answer")
    preview = browser.find_element(By.ID, "preview")
    typed = "cos(x^2"
    for ch in typed:
        answer.send_keys(ch)
        time.sleep(0.05)
    # an unfinished answer: the preview says it cannot read it yet (in Korean)
    _wait(browser, lambda d: "아직 읽을 수 없어요" in preview.text)
    answer.send_keys(")")
    _wait(browser, lambda d: preview.find_elements(By.TAG_NAME, "math"))
    assert "입력한 답을 이렇게 읽었어요" in preview.text
    mathml = preview.find_element(By.TAG_NAME, "math").get_attribute("outerHTML")
    assert "<mi>cos</mi>" in mathml and "<msup>" in mathml
    browser.save_screenshot(str(tmp_path / "preview.png"))

    answer.send_keys(Keys.ENTER)  # submit from the keyboard
    feedback = _wait(browser, lambda d: d.find_elements(By.ID, "feedback"))[0]
    assert "아쉽지만 도함수가 아니에요." in feedback.text
    assert "이런 실수를 한 것 같아요" in feedback.text
    assert feedback.find_elements(By.TAG_NAME, "math")
    assert browser.switch_to.active_element == feedback  # focus moves to the feedback
    shot = tmp_path / "feedback.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 1000

    # fixed and resubmitted: correct, and both attempts are recorded
    answer = browser.find_element(By.ID, "answer")
    answer.send_keys(Keys.HOME, "2x ")
    answer.send_keys(Keys.ENTER)
    _wait(browser, lambda d: "정답이에요" in d.find_element(By.ID, "feedback").text)
    with urllib.request.urlopen(server + "/api/health") as r:
        assert r.status == 200
