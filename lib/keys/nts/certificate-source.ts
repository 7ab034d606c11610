import * as fs from "node:fs";
import * as v from "valibot";
import { UserError } from "../../errors";
import { resolveProjectPath } from "../../project";
import { runSecretCommand } from "../secret-command";
import { controllerPathSchema, envVariableSchema } from "../key-source";

/**
 * Where a certificate chain you bring comes from (PEM, the server's certificate first). It is
 * public, so synth reads it and puts it in the host's manifest like chrony.conf; renewing it
 * (certbot, a PKI) means running synth again, which redeploys exactly the servers that hold it.
 */
export const certificateSourceSchema = v.variant("kind", [
  v.object({ kind: v.literal("file"), path: controllerPathSchema }),
  v.object({ kind: v.literal("env"), variable: envVariableSchema }),
  v.object({ kind: v.literal("command"), argv: v.pipe(v.array(v.string()), v.minLength(1, "a command with at least the program name")) }),
]);
export type CertificateSourceSpec = v.InferOutput<typeof certificateSourceSchema>;

export function describeCertificateSource(source: CertificateSourceSpec): string {
  return source.kind === "file" ? `file ${source.path}` : source.kind === "env" ? `env ${source.variable}` : `command ${source.argv[0]}`;
}

export function readCertificateSource(source: CertificateSourceSpec, baseDir: string, where: string): string {
  const at = `${where} (${describeCertificateSource(source)})`;
  switch (source.kind) {
    case "file": {
      const file = resolveProjectPath(source.path, baseDir);
      try {
        return fs.readFileSync(file, "utf8");
      } catch (err) {
        throw new UserError(`${at}: cannot read ${file} (${(err as NodeJS.ErrnoException).code}): put the PEM certificate chain there`);
      }
    }
    case "env": {
      const value = process.env[source.variable];
      if (!value) throw new UserError(`${at}: ${source.variable} is not set: export the PEM certificate chain in it`);
      return value;
    }
    case "command":
      return runSecretCommand(source.argv, baseDir, at, "the chain");
  }
}
