// The npm registry mirror of this workplace holds only the linux-x64 builds of platform packages
// (rollup, esbuild, …), so `npm install` writes a lock without entries for the other platforms and
// `npm ci` then refuses it. This adds the missing optional entries with their os/cpu, which `npm ci`
// skips on a non-matching machine. Run after `npm install` whenever the lock is regenerated.
import { readFileSync, writeFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const pk = lock.packages;
const osNames = ['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'netbsd', 'sunos', 'win32', 'aix', 'openharmony', 'cygwin'];
const cpuNames = ['arm64', 'arm', 'x64', 'ia32', 'loong64', 'ppc64', 'riscv64', 's390x', 'mips64el', 'wasm32'];
let added = 0;
for (const [path, entry] of Object.entries(pk)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (pk[key] || pk[`${path}/${key}`]) continue;
    const parts = dep.split('/').pop().split('-');
    const os = osNames.find((o) => parts.includes(o));
    const cpu = cpuNames.find((c) => parts.includes(c));
    const e = { version, optional: true };
    if (entry.dev) e.dev = true;
    if (os) e.os = [os];
    if (cpu) e.cpu = [cpu];
    if (parts.includes('musl')) e.libc = ['musl'];
    else if (parts.includes('gnu') || parts.includes('gnueabihf')) e.libc = ['glibc'];
    pk[key] = e;
    added++;
  }
}
writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
console.log(`lock-optional-platforms: added ${added} entries`);
