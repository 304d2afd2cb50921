// A stream folder's files as a store should hold them (shared by the storage suites).
import fs from 'node:fs';
import path from 'node:path';

/** Local files of a stream as object paths: every segment and playlist, plus segment_N.ts beside stream.m3u8. */
export function localObjects(streamDir) {
  const paths = new Map(); // object path → local file
  for (const name of fs.readdirSync(streamDir)) {
    const full = path.join(streamDir, name);
    if (fs.statSync(full).isDirectory()) {
      for (const inner of fs.readdirSync(full)) {
        if (/\.(ts|m3u8)$/.test(inner)) paths.set(`${name}/${inner}`, path.join(full, inner));
      }
    } else if (name.endsWith('.m3u8')) {
      paths.set(name, full);
    }
  }
  const top = JSON.parse(fs.readFileSync(path.join(streamDir, 'stream.json'), 'utf8')).renditions[0];
  for (const [p, file] of [...paths]) {
    if (p.startsWith(`${top}/segment_`)) paths.set(p.slice(top.length + 1), file);
  }
  return paths;
}
