/**
 * Kubeconfig files for the decode differential test: hand-written cases for each rule of client-go's decoder
 * (YAML 1.1 scalars, tags, merge keys, aliases, duplicates, encodings, field types, apiVersion/kind), and seeded
 * mutations of a valid file. Each case is bytes; none holds a real secret.
 */

export interface DecodeCase {
  name: string;
  bytes: Buffer;
  /** Why client-go and we are known to disagree on this case, checked as such; absent: we must agree exactly. */
  divergence?: string;
}

const utf8 = (s: string) => Buffer.from(s, "utf8");
const utf16 = (s: string, bigEndian: boolean) => {
  const le = Buffer.from(`\ufeff${s}`, "utf16le");
  if (!bigEndian) return le;
  for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
};

/** A small valid kubeconfig, in block style. */
export const BASE = `apiVersion: v1
kind: Config
current-context: main
clusters:
- name: main-cluster
  cluster:
    server: https://kube.example.invalid:6443
    certificate-authority-data: QUJD
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {audience: x, n: 1, list: [a, 2, 1.5, true]}
users:
- name: main-user
  user:
    token: fake-token-base
    as: admin
    as-groups: [g1, g2]
    as-user-extra: {scopes: [a, b]}
    exec:
      command: plugin
      args: [get-token]
      env: [{name: FOO, value: bar}]
      apiVersion: client.authentication.k8s.io/v1beta1
contexts:
- name: main
  context: {cluster: main-cluster, user: main-user, namespace: ns}
`;

const cluster = (fields: string) => `clusters:\n- name: c\n  cluster: {${fields}}\n`;
const user = (fields: string) => `users:\n- name: u\n  user: {${fields}}\n`;

const TEXT_CASES: Record<string, string> = {
  // YAML 1.1 booleans, numbers, nulls and timestamps meeting typed fields
  "bool-yes": cluster("insecure-skip-tls-verify: yes, disable-compression: on"),
  "bool-y-n": cluster("insecure-skip-tls-verify: y, disable-compression: n"),
  "bool-off-upper": cluster("insecure-skip-tls-verify: OFF, disable-compression: True"),
  "bool-quoted": cluster('insecure-skip-tls-verify: "true"'),
  "bool-number": cluster("insecure-skip-tls-verify: 1"),
  "server-number": cluster("server: 12345"),
  "server-quoted-number": cluster('server: "12345"'),
  "server-hex": cluster("server: 0x1F"),
  "server-octal": cluster("server: 0777"),
  "server-underscore": cluster("server: 1_000"),
  "server-float": cluster("server: 1e3"),
  "server-dot-float": cluster("server: .5"),
  "server-inf": cluster("server: +.inf"),
  "server-nan": cluster("server: .nan"),
  "server-binary-int": cluster("server: -0b101"),
  "server-bool": cluster("server: yes"),
  "server-timestamp": cluster("server: 2001-12-14"),
  "server-timestamp-full": cluster("server: 2001-12-14t21:59:43.10-05:00"),
  "server-timestamp-space": cluster("server: 2001-12-14 21:59:43.10"),
  "server-not-timestamp": cluster("server: 2001-13-14"),
  "server-null": cluster("server: ~"),
  "server-Null": cluster("server: Null"),
  "server-empty": cluster("server: "),
  "server-map": cluster("server: {a: b}"),
  "server-list": cluster("server: [a]"),
  "token-int-big": user("token: 18446744073709551615"),
  "token-int-too-big": user("token: 18446744073709551616"),
  "token-float-huge": user("token: 1e400"),
  "namespace-number": "contexts:\n- name: c\n  context: {namespace: 007}\n",
  "name-number": "clusters:\n- name: 1\n  cluster: {server: x}\n",
  "name-missing": "clusters:\n- cluster: {server: x}\n",
  "names-missing-twice": "clusters:\n- cluster: {server: x}\n- cluster: {server: y}\n",
  "nan-in-unknown-field": "foo: .nan\n",
  "nan-in-extension": cluster("extensions: [{name: e, extension: {v: .NaN}}]"),
  "nan-as-key": "as: {.nan: 1}\n",
  // tags
  "tag-str": user("token: !!str 123"),
  "tag-int-string": user('token: !!int "42"'),
  "tag-int-bad": user("token: !!int abc"),
  "tag-binary": user("token: !!binary aGVsbG8="),
  "tag-binary-bad": user("token: !!binary 'not base64'"),
  "tag-float": user("token: !!float 1"),
  "tag-bool": cluster("insecure-skip-tls-verify: !!bool yes"),
  "tag-bool-bad": cluster("insecure-skip-tls-verify: !!bool 1"),
  "tag-timestamp": user("token: !!timestamp 2001-01-01"),
  "tag-null": user('token: !!null ""'),
  "tag-null-bad": user("token: !!null x"),
  "tag-custom": user("token: !foo bar"),
  "tag-verbatim": user("token: !<tag:yaml.org,2002:str> 5"),
  "tag-nonspecific": user("token: ! 5"),
  "tag-directive": "%TAG !e! tag:yaml.org,2002:\n---\nusers:\n- name: u\n  user: {token: !e!str 5}\n",
  "tag-on-map": "clusters: !!map\n- name: c\n",
  // duplicates
  "duplicate-top-key": "current-context: a\ncurrent-context: b\n",
  "duplicate-field": "clusters:\n- name: c\n  cluster:\n    server: https://a\n    server: https://b\n",
  "duplicate-cluster-name": "clusters:\n- name: c\n  cluster: {server: a}\n- name: c\n  cluster: {server: b}\n",
  "duplicate-user-name": "users:\n- name: u\n- name: u\n",
  "duplicate-extension": cluster("extensions: [{name: e, extension: 1}, {name: e, extension: 2}]"),
  "duplicate-extension-after-null": cluster("extensions: [{name: e, extension: null}, {name: e, extension: 2}]"),
  "duplicate-key-int-string": "as-user-extra: {1: [a], '1': [b]}\n",
  // merge keys
  "merge-alias": "base: &b {server: s1, tls-server-name: t}\nclusters:\n- name: c\n  cluster:\n    server: s0\n    <<: *b\n",
  "merge-then-explicit": "base: &b {server: s1}\nclusters:\n- name: c\n  cluster:\n    <<: *b\n    server: s0\n",
  "merge-sequence": "a: &a {server: sa}\nb: &b {server: sb, proxy-url: http://p}\nclusters:\n- name: c\n  cluster:\n    <<: [*a, *b]\n",
  "merge-inline": "clusters:\n- name: c\n  cluster:\n    <<: {server: s}\n",
  "merge-scalar": "clusters:\n- name: c\n  cluster:\n    <<: 5\n",
  "merge-alias-scalar": "x: &x 5\nclusters:\n- name: c\n  cluster:\n    <<: *x\n",
  "merge-seq-of-scalars": "clusters:\n- name: c\n  cluster:\n    <<: [1, 2]\n",
  "merge-quoted": "clusters:\n- name: c\n  cluster:\n    '<<': {server: s}\n",
  "merge-tagged": "clusters:\n- name: c\n  cluster:\n    !!merge <<: {server: s}\n",
  // anchors and aliases
  "alias-scalar": "s: &s https://x\nclusters:\n- name: c\n  cluster: {server: *s}\n",
  "alias-key": "k: &k server\nclusters:\n- name: c\n  cluster: {*k : https://x}\n",
  "alias-map-key": "m: &m {a: 1}\nx: {*m : 1}\n",
  "alias-recursive": "a: &a [*a]\n",
  "alias-unknown": "a: *nope\n",
  "alias-redefined": "a: &x one\nb: &x two\nclusters:\n- name: c\n  cluster: {server: *x}\n",
  "alias-list-of-users": "u: &u {token: t}\nusers:\n- name: a\n  user: *u\n- name: b\n  user: *u\n",
  "alias-small-fanout": `l0: &l0 [a, b, c, d, e, f, g, h, i, j]\nl1: &l1 [${Array(10).fill("*l0").join(", ")}]\nl2: &l2 [${Array(10).fill("*l1").join(", ")}]\n`,
  "alias-billion-laughs": [
    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    ..."bcdefghi".split("").map((c, i) => `${c}: &${c} [${Array(9).fill(`*${"abcdefghi"[i]}`).join(", ")}]`),
    "users:",
    "- name: u",
    "  user: {as: x, as-groups: *i}",
  ].join("\n"),
  "alias-wide-many": `a: &a ${"[".repeat(1)}${Array(500).fill("x").join(", ")}]\nusers:\n- name: u\n  user:\n    as: x\n    as-user-extra:\n${Array.from({ length: 300 }, (_, i) => `      k${i}: *a`).join("\n")}\n`,
  // documents
  "multi-doc-second-broken": "current-context: a\n---\nfoo: [\n",
  "multi-doc-first-empty": "---\n---\ncurrent-context: b\n",
  "doc-end-marker": "current-context: a\n...\ngarbage: [\n",
  "explicit-start": "--- {current-context: a}\n",
  "directive-yaml": "%YAML 1.1\n---\ncurrent-context: a\n",
  // top level
  "top-list": "- a\n- b\n",
  "top-string": "just a string\n",
  "top-number": "42\n",
  "top-null": "~\n",
  "comment-only": "# nothing here\n",
  "whitespace-only": "   \n\n",
  "empty-document-marker": "---\n",
  // escapes and scalar styles
  "escape-slash": 'current-context: "\\/x"\n',
  "escape-single-quote": "current-context: \"\\'\"\n",
  "escape-hex": 'current-context: "\\x41\\u00e9\\U0001F600"\n',
  "escape-surrogate": 'current-context: "\\ud800"\n',
  "escape-unknown": 'current-context: "\\q"\n',
  "single-quoted": "current-context: 'it''s'\n",
  "block-literal": "current-context: |\n  line one\n  line two\n",
  "block-folded-strip": "current-context: >-\n  folded\n  text\n\n",
  "block-keep": "current-context: |+\n  kept\n\n",
  "flow-json": '{"current-context":"a","clusters":[{"name":"c","cluster":{"server":"s"}}]}\n',
  "flow-no-space": "{current-context:a}\n",
  "plain-multiline": "current-context: one\n  two\n",
  "tab-indent": "clusters:\n\t- name: c\n",
  "tab-after-colon": "current-context:\ta\n",
  // keys
  "key-int": "as-user-extra: {1: [a]}\nusers:\n- name: u\n  user:\n    as: x\n    as-user-extra: {1: [a], 0x10: [b], 1.5: [c], 1e7: [d], true: [e], on: [f]}\n",
  "key-null": "users:\n- name: u\n  user:\n    as-user-extra: {~: [a]}\n",
  "key-seq": "[a]: 1\n",
  "key-complex-map": "? {a: 1}\n: x\n",
  "key-uint64": "18446744073709551615: x\n",
  // field types
  "clusters-map": "clusters: {c: {server: x}}\n",
  "clusters-string": "clusters: nope\n",
  "cluster-list": "clusters:\n- name: c\n  cluster: [server]\n",
  "cluster-element-string": "clusters:\n- just-a-name\n",
  "cluster-element-null": "clusters:\n- ~\n",
  "as-groups-string": user("as: x, as-groups: admins"),
  "as-groups-number-item": user("as: x, as-groups: [1]"),
  "as-groups-null-item": user("as: x, as-groups: [null, a]"),
  "as-user-extra-string": user("as: x, as-user-extra: {k: v}"),
  "as-user-extra-number": user("as: x, as-user-extra: {k: [1]}"),
  "as-user-extra-null": user("as: x, as-user-extra: {k: null}"),
  "auth-provider-config-number": user("auth-provider: {name: oidc, config: {k: 1}}"),
  "auth-provider-config-null": user("auth-provider: {name: oidc, config: {k: null}}"),
  "auth-provider-string": user("auth-provider: oidc"),
  "exec-string": user("exec: plugin"),
  "exec-null": user("exec: null"),
  "exec-empty": user("exec: {}"),
  "exec-env-number-name": user("exec: {command: c, env: [{name: 1, value: v}]}"),
  "exec-env-null-item": user("exec: {command: c, env: [null]}"),
  "exec-args-number": user("exec: {command: c, args: [1]}"),
  "exec-args-string": user("exec: {command: c, args: get-token}"),
  "exec-provide-string": user("exec: {command: c, provideClusterInfo: 'yes'}"),
  "exec-v1beta1-default": user("exec: {command: c, apiVersion: client.authentication.k8s.io/v1beta1}"),
  "exec-v1alpha1-default": user("exec: {command: c, apiVersion: client.authentication.k8s.io/v1alpha1}"),
  "exec-v1-no-default": user("exec: {command: c, apiVersion: client.authentication.k8s.io/v1}"),
  "extensions-string": cluster("extensions: x"),
  "extension-anything": cluster("extensions: [{name: e, extension: [1, {b: 2, a: '<&>'}, null, 1.0, 1e21, 1e-7, -0.0, 9007199254740993]}]"),
  "extension-name-number": cluster("extensions: [{name: 5}]"),
  "preferences-colors": "preferences: {colors: yes}\n",
  "preferences-colors-string": "preferences: {colors: 'yes'}\n",
  "preferences-list": "preferences: []\n",
  "current-context-list": "current-context: [a]\n",
  "ca-data-bad": cluster("certificate-authority-data: '!!!!'"),
  "ca-data-no-padding": cluster("certificate-authority-data: QUI"),
  "ca-data-newlines": 'clusters:\n- name: c\n  cluster: {certificate-authority-data: "QU\\nI="}\n',
  "ca-data-space": cluster("certificate-authority-data: 'QUI= '"),
  "ca-data-array": cluster("certificate-authority-data: [65, 66]"),
  "ca-data-array-big": cluster("certificate-authority-data: [256]"),
  "ca-data-array-float": cluster("certificate-authority-data: [1.5]"),
  "ca-data-array-integral-float": cluster("certificate-authority-data: [65.0]"),
  "ca-data-array-negative": cluster("certificate-authority-data: [-1]"),
  "ca-data-number": cluster("certificate-authority-data: 5"),
  "key-data-bad": user("client-key-data: 'a b c d'"),
  "case-sensitive": "Clusters:\n- name: c\n  cluster: {Server: x}\nclusters:\n- name: d\n  cluster: {Server: x, server: y}\n",
  // apiVersion and kind
  "api-v2": "apiVersion: v2\n",
  "api-group": "apiVersion: apps/v1\n",
  "api-three-parts": "apiVersion: a/b/c\n",
  "api-slash-v1": "apiVersion: /v1\n",
  "api-number": "apiVersion: 1\n",
  "api-list": "apiVersion: [v1]\n",
  "kind-pod": "kind: Pod\n",
  "kind-lowercase": "kind: config\n",
  "kind-empty": "kind: ''\napiVersion: ''\n",
  "kind-null": "kind: ~\n",
  // nesting
  "nesting-500": `foo: ${"[".repeat(500)}${"]".repeat(500)}\n`,
};

/** Cases where js-yaml's parser and go-yaml's disagree and we follow js-yaml (documented, asserted). */
const DIVERGENT: Record<string, { text: string; why: string }> = {
  "nesting-5000": {
    text: `foo: ${"[".repeat(5000)}${"]".repeat(5000)}\n`,
    why: "go-yaml allows 10000 levels; our limit is 1000 (js-yaml's parser is recursive)",
  },
};

const BYTE_CASES: Record<string, Buffer> = {
  "utf8-bom": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8("current-context: bom\n")]),
  "utf16le-bom": utf16("current-context: utf16\nclusters:\n- name: c\n  cluster: {server: https://é.example}\n", false),
  "utf16be-bom": utf16("current-context: utf16be\n", true),
  "utf16le-no-bom": Buffer.from("current-context: x\n", "utf16le"),
  "utf16-odd-length": Buffer.concat([utf16("current-context: x\n", false), Buffer.from([0x41])]),
  "invalid-utf8": Buffer.concat([utf8("current-context: "), Buffer.from([0xc3, 0x28]), utf8("\n")]),
  "control-char": utf8("current-context: a\u0001b\n"),
  "control-in-comment": utf8("# \u0007 bell\ncurrent-context: a\n"),
  del: utf8("current-context: a\u007fb\n"),
  nel: utf8("current-context: a\u0085b\n"),
  "nul-byte": Buffer.from("current-context: a\0b\n", "latin1"),
  "binary-garbage": Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919 + 13) % 256)),
  "zero-bytes": Buffer.alloc(0),
  "bom-only": Buffer.from([0xef, 0xbb, 0xbf]),
};

/** A small deterministic PRNG (mulberry32), so every run generates the same mutants. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [":", "-", " ", "  ", "\n", "[", "]", "{", "}", ",", "&a", "*a", "!", "!!str ", "|", ">", "'", '"', "#", "?", "%", "@", "`", "\t", "yes", "1", "~", "<<: ", "---\n"];

/** Seeded single- and multi-point mutations of {@link BASE}: syntax the two parsers must judge alike. */
export function mutants(count: number, seed = 14): DecodeCase[] {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const cases: DecodeCase[] = [];
  for (let i = 0; i < count; i++) {
    let text = BASE;
    const edits = 1 + Math.floor(random() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(random() * text.length);
      const op = random();
      if (op < 0.4) text = text.slice(0, at) + pick(ALPHABET) + text.slice(at);
      else if (op < 0.7) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 3));
      else text = text.slice(0, at) + pick(ALPHABET) + text.slice(at + 1);
    }
    cases.push({ name: `mutant-${i}`, bytes: utf8(text) });
  }
  return cases;
}

/** Every hand-written case. */
export function decodeCases(): DecodeCase[] {
  return [
    { name: "base", bytes: utf8(BASE) },
    ...Object.entries(TEXT_CASES).map(([name, text]) => ({ name, bytes: utf8(text) })),
    ...Object.entries(BYTE_CASES).map(([name, bytes]) => ({ name, bytes })),
    ...Object.entries(DIVERGENT).map(([name, { text, why }]) => ({ name, bytes: utf8(text), divergence: why })),
  ];
}
