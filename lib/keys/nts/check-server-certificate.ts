import type { KeyObject, X509Certificate } from "node:crypto";
import { certificateFacts, certificateNames } from "./certificate-facts";

/**
 * What makes an NTS server's certificate and key usable by its clients, checked at synth and again
 * at apply before anything is written: the key is the certificate's, the certificate is valid now,
 * and it names every address or name its clients use on their source lines (chronyd verifies the
 * name it connects to against subjectAltName). Each problem is one clause with the fix.
 */
export function serverCertificateProblems(
  chain: readonly X509Certificate[],
  key: KeyObject | undefined,
  requiredNames: readonly string[],
  now: Date,
): string[] {
  const problems: string[] = [];
  const cert = chain[0];
  const facts = certificateFacts(cert);
  if (key && !cert.checkPrivateKey(key)) problems.push("the private key does not match the certificate: give the key the certificate was issued for");
  if (Date.parse(facts.notAfter) <= now.getTime()) problems.push(`the certificate expired on ${facts.notAfter}: renew it`);
  if (Date.parse(facts.notBefore) > now.getTime())
    problems.push(`the certificate is not valid before ${facts.notBefore}: check the controller's clock, or wait`);
  const missing = requiredNames.filter((n) => !certificateNames(cert, n));
  if (missing.length > 0) {
    problems.push(
      `the certificate does not name ${missing.join(", ")}, which its clients use (it names ${facts.names.join(", ") || "nothing in subjectAltName"}): issue it with ${missing.length === 1 ? "that name" : "those names"}`,
    );
  }
  for (let i = 1; i < chain.length; i++) {
    if (!chain[i - 1].checkIssued(chain[i]))
      problems.push(`certificate ${i + 1} of the chain did not issue certificate ${i}: give the chain in order, the server's certificate first`);
  }
  return problems;
}
