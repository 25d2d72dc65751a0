// What the relay's browser tests share: Debian's Chromium driven by playwright-core (from the
// calling test's own node_modules), named checks counted and reported, cleanups run in reverse
// when the test ends or reaches its time limit, and the command line's --name value options.
'use strict';

const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// playwright-core from testDir/node_modules, or exit 1 saying how to install it.
function requirePlaywright(testDir) {
  let playwright;
  try {
    playwright = require(path.join(testDir, 'node_modules', 'playwright-core'));
  } catch (e) {
    const dir = path.relative(path.join(__dirname, '..', '..'), testDir);
    console.error(`playwright-core is missing: run \`npm ci --prefix ${dir}\` (scripts/test does)`);
    process.exit(1);
  }
  if (!fs.existsSync(CHROMIUM)) {
    console.error(CHROMIUM + ' is missing: install Debian\'s chromium (scripts/install-deps does)');
    process.exit(1);
  }
  return playwright;
}

function option(name, fallback) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A loopback port free a moment ago, for a server the test starts.
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

class Harness {
  constructor(playwright) {
    this.playwright = playwright;
    this.chromiumArgs = CHROMIUM_ARGS;  // what browser() passes; extra flags extend a copy
    this.cleanups = [];
    this.passed = 0;
    this.failures = [];
  }

  check(name, ok, detail) {
    if (ok) {
      this.passed++;
      console.log('ok   ' + name);
    } else {
      this.failures.push(name);
      console.log('FAIL ' + name + (detail === undefined ? '' : ': ' + JSON.stringify(detail)));
    }
  }

  // Runs `cleanup` (it may return a promise) when the test ends, after those deferred later.
  defer(cleanup) {
    this.cleanups.push(cleanup);
  }

  tempDir(prefix) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.defer(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  // A headless Chromium with a fresh profile, closed at the end.
  async browser(contextOptions = {}) {
    const context = await this.playwright.chromium.launchPersistentContext(this.tempDir('sluice-chromium-'), {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, ...contextOptions,
    });
    this.defer(() => context.close().catch(() => {}));
    return context;
  }

  // Runs main within timeLimitMs, then the cleanups, then exits: 0 when no check failed (and,
  // with needPass, at least one passed).
  run(main, { timeLimitMs, needPass = false }) {
    const finish = async () => {
      clearTimeout(timer);
      for (const cleanup of this.cleanups.reverse()) {
        try { await cleanup(); } catch (e) { /* best effort */ }
      }
      console.log(this.passed + ' passed, ' + this.failures.length + ' failed');
      process.exit(this.failures.length === 0 && (this.passed > 0 || !needPass) ? 0 : 1);
    };
    const timer = setTimeout(() => {
      console.log('FAIL time limit of ' + timeLimitMs / 1000 + ' s');
      this.failures.push('time limit');
      finish();
    }, timeLimitMs);
    main().catch((err) => {
      console.log('FAIL ' + (err && err.stack ? err.stack : err));
      this.failures.push('exception');
    }).finally(finish);
  }
}

module.exports = { Harness, freePort, requirePlaywright, option, sleep };
