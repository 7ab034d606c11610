// Keys made with ssh-keygen; fingerprints as `ssh-keygen -lf` printed them.
export const KEY_A = {
  line: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINqA6rYh8b2ZltcJtUsN7sIMCqtatfz0lQv2M3we3Udg",
  fingerprint: "SHA256:Ook0+1N4f5DzY2RhHGupXqQVRhbvsVNJSX3lEdnXiuc",
};
export const KEY_B = {
  line: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINmfccLE7jHkpWewdKMcJKSJJ7lHduNgWcCYUN7wdj7r",
  fingerprint: "SHA256:n5/EF0yyQJwLY5qVDuzbJLaydnitrlGqP8iZbu+gGgQ",
};
export const KEY_RSA = {
  line: "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCinCz5T9BfM7ln78QOAxp5qJz0aohNvBTB9ccOEhJxrRbn/Jd5d3uTzeHh28jxr8r7sKCB/5jUzS5soQtGHaqXa7ME6g7z9tFlzJqSZZTiq0+jhnNmk2CJUMvKh4bbcr9Gx39IEDsGQQ3SZ2XZcDjzxvNLUL6D2AngJZkqWqQEFw==",
  fingerprint: "SHA256:mf9bW4JZGoLD31vJ7nMe1HjcT2lOxu/D3AvlPzOzsX8",
};
export const KEY_ECDSA = {
  line: "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEhx+XmtHO4C3VmrZcSij6V5Eo5KQZWRRs/c61MxAgINPnHJ5fS8XETV6EWU9nLNarM1uIqCVCMaRUWugVHFbxI=",
  fingerprint: "SHA256:EFOQyiBRlmZXWVQGMyS1YxYwj1KF50MrWbYBBps1Fu4",
};
/** `ssh-keygen -H` of "[127.0.0.11]:2201 KEY_A" and "host.example KEY_B". */
export const HASHED_A_127_0_0_11_2201 = `|1|BdTM1Rd0SxHaYyrrhjPp0lwRi8Y=|WHOkysD5VHF44pfkig+mCXW3wfw= ${KEY_A.line}`;
export const HASHED_B_HOST_EXAMPLE = `|1|O7+BfIbZk/5mAoZxTwuR8iSHAIA=|utuE61qREi1AT5HeyCiL01nvRZI= ${KEY_B.line}`;

export function blobOf(line: string): Buffer {
  return Buffer.from(line.split(" ")[1], "base64");
}
