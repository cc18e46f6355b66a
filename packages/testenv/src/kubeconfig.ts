/** A user entry of the generated kubeconfig. */
export interface KubeconfigUser {
  name: string;
  token?: string;
  certPem?: string;
  keyPem?: string;
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
// JSON strings are valid YAML scalars, so quoting with JSON.stringify is exact and needs no YAML library.
const q = (text: string) => JSON.stringify(text);

/**
 * Renders a kubeconfig with one cluster, one context per user (named as the user) and `current-context` set to the
 * first user.
 */
export function renderKubeconfig(cluster: { name: string; server: string; caPem: string }, users: KubeconfigUser[]): string {
  const lines = [
    "apiVersion: v1",
    "kind: Config",
    "preferences: {}",
    "clusters:",
    `- name: ${q(cluster.name)}`,
    "  cluster:",
    `    server: ${q(cluster.server)}`,
    `    certificate-authority-data: ${b64(cluster.caPem)}`,
    "users:",
  ];
  for (const user of users) {
    lines.push(`- name: ${q(user.name)}`, "  user:");
    if (user.token) lines.push(`    token: ${q(user.token)}`);
    if (user.certPem) lines.push(`    client-certificate-data: ${b64(user.certPem)}`);
    if (user.keyPem) lines.push(`    client-key-data: ${b64(user.keyPem)}`);
  }
  lines.push("contexts:");
  for (const user of users) {
    lines.push(`- name: ${q(user.name)}`, "  context:", `    cluster: ${q(cluster.name)}`, `    user: ${q(user.name)}`, "    namespace: default");
  }
  lines.push(`current-context: ${q(users[0]?.name ?? "")}`);
  return `${lines.join("\n")}\n`;
}
