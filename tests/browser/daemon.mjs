// turnoutd for the browser tests, as tests/integration/daemon.py runs it:
// its own temporary folder and SQLite file, `serve` on a free loopback
// port, admin work through the real CLI, SIGTERM at the end (must exit 0).
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class Daemon {
  constructor(turnoutd) {
    this.bin = turnoutd;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'turnout-browser-'));
    this.config = path.join(this.dir, 'turnout.toml');
    this.logPath = path.join(this.dir, 'serve.log');
    this.cliLog = '';
  }

  // public_url must name the port (links, feeds and the QR code carry it),
  // so take a free one first rather than port 0.
  async configure() {
    const port = await new Promise((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    });
    fs.writeFileSync(this.config, [
      '[server]', `listen = "127.0.0.1:${port}"`, `public_url = "http://127.0.0.1:${port}"`, '',
      '[database]', `path = "${path.join(this.dir, 'var', 'turnout.db')}"`, '',
      // The bundled plugins when the build names them (as `serve` would load them), else none.
      '[plugins]', `dir = "${process.env.TURNOUT_PLUGIN_DIR || path.join(this.dir, 'plugins')}"`, '',
    ].join('\n'));
  }

  cli(args, input) {
    try {
      return execFileSync(this.bin, [...args, '--config', this.config], { cwd: this.dir, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
    } catch (e) {
      throw new Error(`turnoutd ${args.join(' ')} exited ${e.status}: ${e.stderr}`);
    }
  }

  async start() {
    if (!fs.existsSync(this.config)) await this.configure();
    const log = fs.openSync(this.logPath, 'w');
    this.proc = spawn(this.bin, ['serve', '--config', this.config], { cwd: this.dir, stdio: ['ignore', 'ignore', log] });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      const m = /serving on http:\/\/127\.0\.0\.1:(\d+)/.exec(this.log());
      if (m) {
        this.port = Number(m[1]);
        this.url = `http://127.0.0.1:${this.port}`;
        return this;
      }
      if (this.proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`turnoutd serve did not start: ${this.log()}`);
  }

  log() { return fs.existsSync(this.logPath) ? fs.readFileSync(this.logPath, 'utf8') : ''; }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return this.exited;
    this.proc.kill('SIGTERM');
    const timeout = new Promise((r) => setTimeout(() => r({ code: null, signal: 'timeout' }), 10000));
    const out = await Promise.race([this.exited, timeout]);
    if (out.signal === 'timeout') this.proc.kill('SIGKILL');
    return out;
  }

  cleanup() { fs.rmSync(this.dir, { recursive: true, force: true }); }
}
