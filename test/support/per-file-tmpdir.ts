import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll } from "vitest";

// Unit tests only (vitest.config.mts): every temporary folder a test file makes, its own or one
// cdktf's Testing makes for each synth (`cdktf.outdir.*`), goes in a folder of the file's own,
// removed when the file's tests are done, also when they failed. The hook is registered first, so
// it runs after the file's own afterAll hooks. Integration and e2e tests start chronyd as its own
// user, which must pass through the folders above its files: they clean up after themselves.
const shared = os.tmpdir();
const own = fs.mkdtempSync(path.join(shared, "cdktf-chrony-unit-"));
process.env.TMPDIR = own;

afterAll(() => {
  process.env.TMPDIR = shared;
  fs.rmSync(own, { recursive: true, force: true });
});
