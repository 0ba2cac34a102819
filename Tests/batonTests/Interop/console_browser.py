"""The audit console in a real browser: Debian's Chromium, driven by Selenium through
Debian's chromedriver. Run by ConsoleBrowserTests with the dev stack up and Jane's and
Harriet's chains in the ledger.

Environment: BATON_URL, IDP_URL, JANE_CHAIN, HARRIET_CHAIN, RESOURCE (an incident Jane
updated), JANE_TOKEN (to start one more chain while the live view watches), SCREENSHOTS
(a directory for PNGs). Prints one JSON object of what it saw; exits 1 on the first failed check.
"""
import json
import os
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["BATON_URL"]
IDP = os.environ["IDP_URL"]
SHOTS = os.environ["SCREENSHOTS"]
seen = {}


def wait(driver, seconds):
    """A wait that looks again when the page it looked at was replaced by the next one."""
    return WebDriverWait(driver, seconds, ignored_exceptions=[NoSuchElementException, StaleElementReferenceException])


def check(condition, message):
    if not condition:
        print(json.dumps({"failed": message, "seen": seen}))
        sys.exit(1)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1360,1000", "--disable-gpu"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)


def status(driver):
    """The HTTP status of the page the browser is showing (Navigation Timing)."""
    return driver.execute_script("return performance.getEntriesByType('navigation')[0].responseStatus")


def no_token_in(driver, page):
    source = driver.page_source
    check("eyJ" not in source, f"{page} contains something shaped like a token (eyJ)")
    check("-secret" not in source and "password" not in source.lower().replace('type="password"', ""), f"{page} contains a secret")


def sign_in(driver, user, password, start="/console"):
    driver.get(BASE + start)
    wait(driver, 20).until(lambda d: d.current_url.startswith(IDP))
    username = driver.find_element(By.ID, "username")
    username.clear()
    username.send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(driver, 20).until(lambda d: d.current_url.startswith(BASE + "/console") and "/callback" not in d.current_url)
    wait(driver, 20).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "form.account")))
    check(user.split("@")[0].lower() in driver.find_element(By.CSS_SELECTOR, "form.account").text.lower(), f"signed in as {user}")


def auditor(driver):
    sign_in(driver, "audrey@contoso.com", "audrey-dev-password")
    check(driver.find_element(By.TAG_NAME, "h1").text == "Search the ledger", "Audrey lands on the search page")
    field = driver.find_element(By.ID, "f-user")
    field.send_keys("jane@contoso.com")
    field.submit()
    wait(driver, 20).until(lambda d: "user=jane" in d.current_url)
    rows = driver.find_elements(By.CSS_SELECTOR, "table.entries tbody tr")
    check(rows, "the search for Jane finds entries")
    check(all("jane@contoso.com" in row.text for row in rows), "every entry found names Jane")
    seen["search_rows"] = len(rows)
    driver.save_screenshot(os.path.join(SHOTS, "search.png"))
    no_token_in(driver, "the search page")

    link = driver.find_element(By.CSS_SELECTOR, f"a[href^='/console/chains/{os.environ['JANE_CHAIN']}']")
    link.click()
    wait(driver, 20).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "svg.chain")))
    nodes = driver.find_elements(By.CSS_SELECTOR, "svg.chain g.node")
    labels = [node.find_element(By.CSS_SELECTOR, "text.label").text for node in nodes]
    facts = [node.find_element(By.CSS_SELECTOR, "text.facts").text for node in nodes]
    seen["chain_nodes"] = labels
    for name in ("jane@contoso.com", "concierge", "triage", "itsm", "servicenow"):
        check(name in labels, f"the chain picture has a node for {name}: {labels}")
    check(all("allowed" in fact for fact in facts[1:]), f"every hop of Jane's chain is shown allowed, in words: {facts}")
    check(all("allowed" in node.get_attribute("class") for node in nodes[1:]), "and coloured as allowed")
    check(driver.find_element(By.CSS_SELECTOR, "svg.chain").get_attribute("aria-label").startswith("The chain:"), "the picture is labelled")
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(os.path.join(SHOTS, "chain.png"))
    # The entries behind a node, by keyboard: Tab to the ServiceNow box and press Enter.
    servicenow = [node for node in nodes if node.find_element(By.CSS_SELECTOR, "text.label").text == "servicenow"][0]
    anchor = servicenow.find_element(By.XPATH, "..")
    for _ in range(80):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        if driver.switch_to.active_element == anchor:
            break
    check(driver.switch_to.active_element == anchor, "the ServiceNow box is reached with the Tab key")
    ActionChains(driver).send_keys(Keys.ENTER).perform()
    wait(driver, 10).until(lambda d: "#entry-" in d.current_url)
    target = driver.current_url.split("#")[1]
    row = driver.find_element(By.ID, target)
    check("servicenow" in row.text, f"the ServiceNow box leads to its ledger entry: {row.text}")
    no_token_in(driver, "the chain page")

    driver.get(BASE + "/console/resources?name=" + urllib.request.quote(os.environ["RESOURCE"], safe=""))
    table = driver.find_element(By.CSS_SELECTOR, "table.touchers")
    check("jane@contoso.com" in table.text and "concierge → triage → itsm" in table.text, f"the resource page lists Jane via her agents: {table.text}")
    seen["resource"] = table.text
    driver.save_screenshot(os.path.join(SHOTS, "resource.png"))

    driver.get(BASE + "/console/users/jane@contoso.com")
    items = driver.find_elements(By.CSS_SELECTOR, "ol.timeline li")
    check(len(items) >= 2, f"Jane's day shows her chains: {len(items)}")
    driver.save_screenshot(os.path.join(SHOTS, "day.png"))

    driver.get(BASE + "/console/ledger")
    driver.find_element(By.CSS_SELECTOR, "form[action='/console/ledger/verify'] button").click()
    wait(driver, 60).until(lambda d: "Intact" in d.find_element(By.TAG_NAME, "main").text)
    seen["ledger"] = driver.find_element(By.TAG_NAME, "main").text
    driver.save_screenshot(os.path.join(SHOTS, "ledger.png"))

    driver.get(BASE + "/console/vault")
    vault = driver.find_element(By.TAG_NAME, "main").text
    check("jane@contoso.com" in vault and "harriet@contoso.com" in vault, "the auditor's vault overview lists every user")
    no_token_in(driver, "the vault page")

    driver.get(BASE + "/console/live")
    wait(driver, 20).until(lambda d: d.find_element(By.ID, "live-status").text.startswith("Live"))
    request = urllib.request.Request(
        BASE + "/v1/agents/concierge/invoke", data=json.dumps({"input": "Show me 5 incidents assigned to me"}).encode(),
        headers={"Authorization": "Bearer " + os.environ["JANE_TOKEN"], "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        check(answer.status == 200, "one more chain of Jane's runs")
    wait(driver, 30).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#live-rows tr")) >= 4)
    live = driver.find_element(By.ID, "live-rows").text
    check("jane@contoso.com" in live and "concierge" in live, f"the live view shows the new chain as it happens: {live[:200]}")
    seen["live_rows"] = len(driver.find_elements(By.CSS_SELECTOR, "#live-rows tr"))

    accessible(driver)

    driver.find_element(By.CSS_SELECTOR, "form.account button").click()
    wait(driver, 20).until(lambda d: d.current_url.endswith("/console/signed-out"))
    driver.get(BASE + "/console")
    wait(driver, 20).until(lambda d: d.current_url.startswith(IDP))


def accessible(driver):
    """Every control labelled; at 200 % zoom (a 680-pixel-wide viewport at twice the pixel
    density) no page needs sideways scrolling — wide tables scroll inside their own box."""
    driver.get(BASE + "/console")
    unlabelled = driver.execute_script(
        "return [...document.querySelectorAll('input:not([type=hidden]), select, button')]"
        ".filter(e => !(e.labels && e.labels.length) && !e.textContent.trim()).map(e => e.outerHTML)")
    check(not unlabelled, f"every control has a label: {unlabelled}")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 680, "height": 1000, "deviceScaleFactor": 2, "mobile": False})
    try:
        for path in ("/console", "/console/chains/" + os.environ["JANE_CHAIN"], "/console/ledger", "/console/users/jane@contoso.com"):
            driver.get(BASE + path)
            overflow = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            check(overflow <= 1, f"{path} reflows at 200 % zoom (it overflows by {overflow} px)")
        driver.get(BASE + "/console/chains/" + os.environ["JANE_CHAIN"])
        driver.save_screenshot(os.path.join(SHOTS, "chain-200-percent.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    seen["zoom"] = "reflows at 200 %"


def user(driver):
    sign_in(driver, "jane@contoso.com", "jane-dev-password")
    rows = driver.find_elements(By.CSS_SELECTOR, "table.entries tbody tr")
    check(rows and all("jane@contoso.com" in row.text for row in rows), "Jane's search page shows only her entries")
    check("harriet" not in driver.page_source, "nothing of Harriet's is on Jane's page")

    driver.get(BASE + "/console/chains/" + os.environ["HARRIET_CHAIN"])
    check(status(driver) == 404, f"Harriet's chain answers Jane 404, not {status(driver)}")
    check(driver.find_element(By.TAG_NAME, "h1").text == "Not found", "and says so")
    seen["jane_harriet_chain"] = status(driver)

    driver.get(BASE + "/console/chains/" + os.environ["JANE_CHAIN"])
    check(status(driver) == 200 and driver.find_elements(By.CSS_SELECTOR, "svg.chain"), "Jane sees her own chain")

    # Without its CSRF token, the sign-out form is refused and the session stays.
    driver.get(BASE + "/console")
    driver.execute_script("document.querySelector('form.account input[name=csrf]').remove()")
    driver.find_element(By.CSS_SELECTOR, "form.account button").click()
    wait(driver, 20).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Not allowed")
    check(status(driver) == 403, f"a POST without its CSRF token is 403, not {status(driver)}")
    driver.get(BASE + "/console")
    check(driver.current_url.startswith(BASE), "and the session is still good")

    # A forged session cookie is no session.
    driver.delete_cookie("baton_console")
    driver.add_cookie({"name": "baton_console", "value": "forged-" + "A" * 36, "path": "/console"})
    driver.get(BASE + "/console/chains/" + os.environ["JANE_CHAIN"])
    wait(driver, 20).until(lambda d: d.current_url.startswith(IDP))
    seen["forged_cookie"] = "sent to sign in"


driver = browser()
try:
    auditor(driver)
    driver.delete_all_cookies()
    user(driver)
finally:
    driver.quit()
print(json.dumps({"ok": True, "seen": seen}))
