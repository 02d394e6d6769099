// Drives a running code-server in Debian's Chromium (run by e2e/vscode.sh).
// Pass and fail are decided by what VS Code shows: squiggles, the Problems
// panel, the quick-fix menu, inlay hints, the status bar, the Capability
// review view and the editor a click in it opens, a hover; plus the manifest on
// disk after the quick-fix. Each step leaves a screenshot in --artifacts.
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');
const { chromium } = require('playwright-core');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
const { port, workspace, artifacts, name, trust, settings } = args;
const timeout = Number(process.env.E2E_TIMEOUT_MS || 60000);
let shot = 0;

function log(msg) {
  console.error(`[vscode ${name}] ${msg}`);
}

async function screenshot(page, what) {
  shot++;
  const file = path.join(artifacts, `${name}-${String(shot).padStart(2, '0')}-${what}.png`);
  await page.screenshot({ path: file }).catch(() => undefined);
}

async function step(page, what, fn) {
  try {
    await fn();
  } catch (e) {
    await screenshot(page, `FAILED-${what}`);
    throw new Error(`${what}: ${e.message.split('\n')[0]}`);
  }
  await screenshot(page, what);
  log(`ok: ${what}`);
}

async function poll(what, cond, ms = timeout) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await cond();
    if (v) {
      return v;
    }
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

// isVisible does not wait; this does, then says whether it became visible.
async function visibleWithin(locator, ms) {
  return locator.waitFor({ state: 'visible', timeout: ms }).then(() => true, () => false);
}

// Keybindings work only once the workbench has restored: retry until the
// quick input box shows.
async function quickOpen(page, keys, text) {
  const box = page.locator('.quick-input-widget .quick-input-box input');
  await poll(`quick input (${keys})`, async () => {
    await page.keyboard.press(keys);
    return visibleWithin(box, 2000);
  });
  await box.fill(text);
  // Enter before the results list has filled picks nothing.
  await page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first().waitFor({ timeout });
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
}

async function openFile(page, rel) {
  await quickOpen(page, 'Control+P', rel);
  await page.locator(`.tab[aria-label^="${path.basename(rel)}"]`).first().waitFor({ timeout });
  await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout });
}

async function runCommand(page, title) {
  await quickOpen(page, 'F1', `>${title}`);
}

function manifest() {
  return fs.readFileSync(path.join(workspace, 'Cargo.toml'), 'utf8');
}

function statusItem(page) {
  return page.locator('.statusbar-item[id$="cargoCaps.status"]');
}

async function problemRows(page) {
  return page.locator('.markers-panel .monaco-list-row').allInnerTexts();
}

async function trusted(page) {
  const before = manifest();
  await step(page, 'squiggle-in-lib-rs', async () => {
    await openFile(page, 'src/lib.rs');
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout });
  });
  if (!cargoRan()) {
    throw new Error("the server did not run cargo in a trusted workspace (the rustc probe left no mark)");
  }
  log('ok: trusted server ran cargo');
  await step(page, 'problems-panel', async () => {
    await page.keyboard.press('Control+Shift+M');
    await poll('an undeclared-capability row in the Problems panel', async () =>
      (await problemRows(page)).some((t) => t.includes('undeclared-capability')));
  });
  let fixTitle;
  await step(page, 'quick-fix-menu', async () => {
    const box = await page.locator('.monaco-editor .squiggly-error').first().boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const rows = page.locator('.action-widget .monaco-list-row');
    await poll('the quick-fix menu', async () => {
      await page.keyboard.press('Control+.');
      return visibleWithin(rows.first(), 3000);
    });
    const titles = await rows.allInnerTexts();
    log(`quick-fixes offered: ${JSON.stringify(titles)}`);
    // "Declare `fs` for crate …" (or an "Add `fs` …" wording).
    const i = titles.findIndex((t) => /declare|add/i.test(t) && t.includes('`fs`'));
    if (i < 0) {
      throw new Error(`no quick-fix declares fs: ${JSON.stringify(titles)}`);
    }
    fixTitle = titles[i];
  });
  await step(page, 'quick-fix-applied', async () => {
    // The menu moves while it settles, so Playwright's stability check may never pass.
    await page.locator('.action-widget .monaco-list-row').filter({ hasText: fixTitle }).first().click({ force: true });
    // files.refactoring.autoSave saves the edited manifest; Save All is the fallback.
    try {
      await poll('Cargo.toml saved with fs', async () => /\ncapability\s*=\s*\[[^\]]*"fs"/.test(manifest()), 10000);
    } catch {
      await runCommand(page, 'File: Save All');
      await poll('Cargo.toml saved with fs', async () => /\ncapability\s*=\s*\[[^\]]*"fs"/.test(manifest()));
    }
    const old = before.split('\n');
    const now = manifest().split('\n');
    const changed = now.filter((l, i) => l !== old[i]);
    if (old.length !== now.length || changed.length !== 1 || !/^capability\s*=.*"env-readonly".*"fs"|^capability\s*=.*"fs".*"env-readonly"/.test(changed[0])) {
      throw new Error(`the quick-fix changed more than the capability list:\n${manifest()}`);
    }
  });
  await step(page, 'problem-cleared', async () => {
    await openFile(page, 'src/lib.rs');
    await poll('the squiggle to clear', async () => (await page.locator('.monaco-editor .squiggly-error').count()) === 0);
    await poll('the Problems panel row to clear', async () =>
      !(await problemRows(page)).some((t) => t.includes('undeclared-capability')));
  });
  await step(page, 'inlay-hint-in-cargo-toml', async () => {
    await openFile(page, 'Cargo.toml');
    // An inlay hint is text injected into the view line after the entry.
    const line = page.locator('.monaco-editor .view-line').filter({ hasText: 'helper = { path = "helper" }' });
    const text = await poll('an inlay hint after the helper dependency', async () => {
      const t = (await line.first().innerText().catch(() => '')).replace(/\u00a0/g, ' ');
      return t.replace('helper = { path = "helper" }', '').trim() !== '' ? t : undefined;
    });
    log(`dependency line with hint: ${JSON.stringify(text)}`);
  });
  await step(page, 'status-bar-progress-and-review-count', async () => {
    await poll('"need review" in the status bar', async () =>
      /needs? review/.test(await statusItem(page).innerText().catch(() => '')));
    const labels = await page.evaluate(() => window.__cargoCapsStatus);
    log(`status item labels: ${JSON.stringify(labels)}`);
    if (!labels.some((l) => l.startsWith('cargo-caps is analysing'))) {
      throw new Error(`the status item never showed the server's progress: ${JSON.stringify(labels)}`);
    }
  });
  await step(page, 'report-document', async () => {
    await runCommand(page, 'cargo-caps: Show Capability Report');
    await page.locator('.tab[aria-label^="cargo-caps report.txt"]').first().waitFor({ timeout });
    await poll('report text in the editor', async () =>
      (await page.locator('.monaco-editor .view-lines').first().innerText()).trim().length > 0);
  });
  await reviewView(page);
}

// The rows of the Capability review view in the Explorer (its header is
// shown in capitals by CSS, so it is matched without case).
function reviewRows(page) {
  return page
    .locator('.pane', { has: page.locator('.pane-header', { hasText: /capability review/i }) })
    .locator('.pane-body .monaco-list-row');
}

async function reviewTexts(page) {
  return (await reviewRows(page).allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

// expand clicks the first collapsed row of the review view that holds label;
// false when there is none yet.
async function expand(page, label) {
  const row = reviewRows(page).filter({ hasText: label }).first();
  if (!(await visibleWithin(row, 2000))) {
    return false;
  }
  if ((await row.getAttribute('aria-expanded')) === 'false') {
    await row.click();
  }
  return true;
}

// helperAt waits for the active editor to show helper/src/lib.rs with the
// cursor on line.
async function helperAt(page, line) {
  let seen;
  await poll(`the editor at helper/src/lib.rs line ${line}`, async () => {
    // The breadcrumbs say which of the two lib.rs files it is.
    const file = await page.locator('.editor-group-container.active .breadcrumbs-control').first().innerText().catch(() => '');
    const where = await page.locator('.statusbar-item', { hasText: /^Ln \d+, Col \d+/ }).first().innerText().catch(() => '');
    seen = `${file.replace(/\s+/g, ' ')} at ${where}`;
    return /helper\W+src\W+lib\.rs/.test(file) && where.startsWith(`Ln ${line},`);
  }).catch((e) => {
    throw new Error(`${e.message} (shown: ${seen})`);
  });
}

async function reviewView(page) {
  await step(page, 'review-view-pure-helper', async () => {
    await runCommand(page, 'cargo-caps: Show Capability Review');
    // The folder's section folded, the view has the Explorer's height (for the screenshot).
    const folder = page.locator('.pane-header[aria-label*="capsdemo" i]').first();
    if ((await folder.getAttribute('aria-expanded').catch(() => null)) === 'true') {
      await folder.click();
    }
    // helper's own code reads only the environment: pure.
    await poll('helper in the Pure group', async () =>
      (await expand(page, 'Pure (1)')) && (await reviewTexts(page)).some((t) => t.startsWith('helper 0.1.0')));
    const rows = await reviewTexts(page);
    log(`review rows: ${JSON.stringify(rows)}`);
    if (!rows.some((t) => t.startsWith('Need review (0)')) || !rows.some((t) => t.startsWith('Audited (0)'))) {
      throw new Error(`review groups: ${JSON.stringify(rows)}`);
    }
  });
  // helper gains a process spawn and an unsafe block, written outside the
  // editor: the view follows the server's next analysis.
  const helper = path.join(workspace, 'helper/src/lib.rs');
  const lines = fs.readFileSync(helper, 'utf8').split('\n').length;
  fs.appendFileSync(helper, '\npub fn spawn() { let _ = std::process::Command::new("true").status(); }\n' +
    'pub fn peek(p: *const u8) -> u8 { unsafe { *p } }\n');
  const peekLine = lines + 2; // after the blank line and spawn
  await step(page, 'review-view-sites', async () => {
    await poll('helper under Need review', async () => (await reviewTexts(page)).some((t) => t.startsWith('Need review (1)')));
    // A refresh of the view collapses the rows again: expand until the sites show.
    const rows = await poll('the sites of helper', async () => {
      for (const label of ['helper 0.1.0', 'unsafe', 'process']) {
        await expand(page, label);
      }
      const t = await reviewTexts(page);
      return t.some((r) => r.startsWith('helper::peek')) && t.some((r) => r.startsWith('helper::spawn')) ? t : undefined;
    });
    log(`review rows: ${JSON.stringify(rows)}`);
    // Most powerful first: unsafe before process.
    const order = ['helper 0.1.0', 'unsafe', 'helper::peek', 'process', 'helper::spawn'].map((l) => rows.findIndex((r) => r.startsWith(l)));
    if (order.some((i, k) => i < 0 || (k > 0 && i < order[k - 1]))) {
      throw new Error(`review rows out of order (crate → capability → site): ${JSON.stringify(rows)}`);
    }
    if (!rows.some((r) => r.startsWith('helper::peek') && r.includes(`src/lib.rs:${peekLine}`))) {
      throw new Error(`helper::peek's row does not say src/lib.rs:${peekLine}: ${JSON.stringify(rows)}`);
    }
  });
  await step(page, 'review-view-click-opens-site', async () => {
    await reviewRows(page).filter({ hasText: 'helper::peek' }).first().click();
    await helperAt(page, peekLine);
  });
  await step(page, 'hover-dependency-review', async () => {
    await openFile(page, 'Cargo.toml');
    const line = page.locator('.monaco-editor .view-line').filter({ hasText: 'helper = { path' }).first();
    const hover = page.locator('.monaco-hover:not(.hidden)');
    const text = await poll('the hover on the helper entry with its review', async () => {
      // On the key `helper`, at the start of the line.
      const box = await line.locator('span').first().boundingBox();
      if (!box) {
        return undefined; // the editor has not rendered the line yet
      }
      await page.mouse.move(box.x + 12, box.y + box.height / 2);
      if (!(await visibleWithin(hover.first(), 3000))) {
        await page.mouse.move(0, 0);
        return undefined;
      }
      const t = await hover.first().innerText();
      return /Review: \d+ sites in \d+ functions/.test(t) ? t : undefined;
    });
    log(`hover: ${JSON.stringify(text)}`);
    // The first sites are links into helper's sources.
    const links = await hover.first().locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('data-href') || a.getAttribute('href') || ''));
    if (!links.some((l) => l.includes('helper/src/lib.rs') && l.includes(`#L${peekLine}`))) {
      throw new Error(`no link to helper/src/lib.rs#L${peekLine} in the hover: ${JSON.stringify(links)}`);
    }
  });
  await step(page, 'hover-link-opens-site', async () => {
    // spawn's link: a line the editor is not on yet.
    const spawnLine = peekLine - 1;
    await page.locator('.monaco-hover:not(.hidden) a', { hasText: `src/lib.rs:${spawnLine}` }).first().click();
    await helperAt(page, spawnLine);
  });
}

function cargoRan() {
  return fs.existsSync(path.join(workspace, '.rustc-ran'));
}

async function untrusted(page) {
  await step(page, 'restricted-mode', async () => {
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout });
  });
  await step(page, 'untrusted-server-diagnostic', async () => {
    await openFile(page, 'src/lib.rs');
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout });
    await poll('the status bar item to say untrusted', async () =>
      /untrusted/.test((await statusItem(page).getAttribute('aria-label').catch(() => '')) || ''));
    if (cargoRan()) {
      throw new Error("the server ran cargo (the workspace's rustc) in an untrusted workspace");
    }
  });
  await step(page, 'trust-granted-restarts-trusted', async () => {
    await runCommand(page, 'Workspaces: Manage Workspace Trust');
    await page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first().click();
    await poll('the restarted server to run cargo', async () => cargoRan());
    await poll('the status bar item to drop untrusted', async () =>
      !/untrusted/.test((await statusItem(page).getAttribute('aria-label').catch(() => 'untrusted')) || 'untrusted'));
    await openFile(page, 'src/lib.rs');
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ timeout });
  });
  await step(page, 'severity-setting-turns-the-diagnostic-off', async () => {
    // Edited in VS Code's own settings.json editor; the extension forwards
    // the change to the server, which hides the code.
    const user = JSON.parse(fs.readFileSync(settings, 'utf8'));
    user['cargoCaps.severity'] = { 'undeclared-capability': 'off' };
    await runCommand(page, 'Preferences: Open User Settings (JSON)');
    await page.locator('.tab[aria-label^="settings.json"]').first().waitFor({ timeout });
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+A');
    // insertText types no keys, so no brackets or quotes are auto-closed.
    await page.keyboard.insertText(JSON.stringify(user, null, 2));
    await page.keyboard.press('Control+S');
    await poll('settings.json saved', async () => /undeclared-capability/.test(fs.readFileSync(settings, 'utf8')));
    await openFile(page, 'src/lib.rs');
    await poll('the squiggle to go', async () => (await page.locator('.monaco-editor .squiggly-error').count()) === 0);
  });
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cargo-caps-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    // Records every label the cargo-caps status item shows, from the start:
    // progress is over before a test step could look.
    await context.addInitScript(() => {
      window.__cargoCapsStatus = [];
      new MutationObserver(() => {
        const item = document.querySelector('.statusbar-item[id$="cargoCaps.status"]');
        const label = item && item.getAttribute('aria-label');
        const seen = window.__cargoCapsStatus;
        if (label && seen[seen.length - 1] !== label) {
          seen.push(label);
        }
      }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    const page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(timeout);
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout });
    await (trust === 'trusted' ? trusted(page) : untrusted(page));
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().then(
  () => log('passed'),
  (e) => {
    log(`FAIL: ${e.message}`);
    process.exitCode = 1;
  },
);
