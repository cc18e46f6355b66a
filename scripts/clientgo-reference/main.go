// Command clientgo-reference resolves a kubeconfig / in-cluster configuration exactly as client-go's default
// loader does and prints what a client built from it would use, as JSON. It is the reference side of the
// differential test in packages/auth/src/differential.
//
// Request (JSON on stdin, or -request '<json>'):
//
//	{ "kubeconfig"?: path, "context"?, "cluster"?, "user"?, "namespace"?, "server"?,
//	  "inCluster"?: "auto"|true|false, "serviceAccountDir"?: path }
//
// The process environment (KUBECONFIG, HOME, KUBERNETES_SERVICE_HOST/PORT, POD_NAMESPACE, PATH for exec
// plugins) is read as client-go reads it. Output: one JSON object (see Result). Exit status is 0 unless the
// request itself is unusable.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/transport"
	certutil "k8s.io/client-go/util/cert"
	"k8s.io/klog/v2"

	// kubectl links every in-tree auth-provider (oidc, and the gcp/azure stubs that fail with "has been
	// removed"); without this import gcp/azure would fail with `no Auth Provider found` instead.
	_ "k8s.io/client-go/plugin/pkg/client/auth"
)

type request struct {
	Kubeconfig        string `json:"kubeconfig"`
	Context           string `json:"context"`
	Cluster           string `json:"cluster"`
	User              string `json:"user"`
	Namespace         string `json:"namespace"`
	Server            string `json:"server"`
	InCluster         any    `json:"inCluster"` // "auto" (default), true or false
	ServiceAccountDir string `json:"serviceAccountDir"`
}

// Result is what a client-go client built from the configuration would use.
type Result struct {
	Server        string   `json:"server"`     // base URL from rest.DefaultServerUrlFor (scheme defaulted, path prefix kept)
	RequestURL    string   `json:"requestURL"` // URL of `GET /api` built by rest.Request (query replaced, prefix joined)
	Namespace     string   `json:"namespace"`
	CA            string   `json:"ca"`   // PEM; data wins over file, as transport.loadTLSFiles
	Cert          string   `json:"cert"` // PEM
	Key           string   `json:"key"`  // PEM
	ServerName    string   `json:"serverName"`
	Insecure      bool     `json:"insecure"`
	BearerToken   string   `json:"bearerToken"` // rest.Config.BearerToken (the tokenFile's content when one is set)
	BearerFile    string   `json:"bearerTokenFile"`
	BasicAuth     string   `json:"basicAuth"`     // "user:pass" or ""
	Authorization string   `json:"authorization"` // Authorization header the transport wrappers set
	Impersonate   []string `json:"impersonate"`   // "Name: value" for every Impersonate-* header value, by name
	Source        string   `json:"source"`        // "kubeconfig" or "in-cluster"
	Error         *string  `json:"error"`
}

const defaultServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// inCluster mirrors client-go's rest.InClusterConfig and clientcmd's unexported inClusterClientConfig with the
// service-account directory as a parameter (client-go hard-codes defaultServiceAccountDir). The bodies are
// copied from client-go v0.37.1 (rest/config.go, tools/clientcmd/client_config.go), keeping error values,
// the untrimmed BearerToken, the logged-not-returned ca.crt failure and the namespace-file trimming.
type inCluster struct {
	dir       string
	overrides *clientcmd.ConfigOverrides
}

func (ic inCluster) restConfig() (*rest.Config, error) { // = rest.InClusterConfig
	tokenFile, rootCAFile := filepath.Join(ic.dir, "token"), filepath.Join(ic.dir, "ca.crt")
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	if len(host) == 0 || len(port) == 0 {
		return nil, rest.ErrNotInCluster
	}
	token, err := os.ReadFile(tokenFile)
	if err != nil {
		return nil, err
	}
	tlsClientConfig := rest.TLSClientConfig{}
	if _, err := certutil.NewPool(rootCAFile); err != nil {
		klog.Errorf("Expected to load root CA config from %s, but got err: %v", rootCAFile, err)
	} else {
		tlsClientConfig.CAFile = rootCAFile
	}
	return &rest.Config{
		Host:            "https://" + net.JoinHostPort(host, port),
		TLSClientConfig: tlsClientConfig,
		BearerToken:     string(token),
		BearerTokenFile: tokenFile,
	}, nil
}

func (ic inCluster) ClientConfig() (*rest.Config, error) { // = inClusterClientConfig.ClientConfig
	icc, err := ic.restConfig()
	if err != nil {
		return nil, err
	}
	if o := ic.overrides; o != nil {
		if server := o.ClusterInfo.Server; len(server) > 0 {
			icc.Host = server
		}
		if len(o.AuthInfo.Token) > 0 || len(o.AuthInfo.TokenFile) > 0 {
			icc.BearerToken = o.AuthInfo.Token
			icc.BearerTokenFile = o.AuthInfo.TokenFile
		}
		if ca := o.ClusterInfo.CertificateAuthority; len(ca) > 0 {
			icc.TLSClientConfig.CAFile = ca
		}
	}
	return icc, nil
}

func (ic inCluster) Namespace() (string, bool, error) { // = inClusterClientConfig.Namespace
	if ns := os.Getenv("POD_NAMESPACE"); ns != "" {
		return ns, false, nil
	}
	if data, err := os.ReadFile(filepath.Join(ic.dir, "namespace")); err == nil {
		if ns := strings.TrimSpace(string(data)); len(ns) > 0 {
			return ns, false, nil
		}
	}
	return "default", false, nil
}

func (ic inCluster) Possible() bool { // = inClusterClientConfig.Possible
	fi, err := os.Stat(filepath.Join(ic.dir, "token"))
	return os.Getenv("KUBERNETES_SERVICE_HOST") != "" && os.Getenv("KUBERNETES_SERVICE_PORT") != "" &&
		err == nil && !fi.IsDir()
}

// resolve returns the rest.Config and namespace for the request.
//   - inCluster "auto": clientcmd.DeferredLoadingClientConfig's ClientConfig() and Namespace(), copied with the
//     parameterized inCluster in place of its icc (identical to calling
//     NewNonInteractiveDeferredLoadingClientConfig when serviceAccountDir is the default).
//   - inCluster false: the kubeconfig only (NewNonInteractiveClientConfig over the merged files), no fallback.
//   - inCluster true: in-cluster only; a --namespace override wins over the in-cluster namespace (our choice,
//     matching what the deferred loader does when it falls back: an overridden namespace is returned first).
func resolve(req request) (*rest.Config, string, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = req.Kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: req.Context}
	overrides.Context.Cluster = req.Cluster
	overrides.Context.AuthInfo = req.User
	overrides.Context.Namespace = req.Namespace
	overrides.ClusterInfo.Server = req.Server
	icc := inCluster{dir: req.ServiceAccountDir, overrides: overrides}
	if icc.dir == "" {
		icc.dir = defaultServiceAccountDir
	}

	mode := fmt.Sprint(req.InCluster)
	if req.InCluster == nil {
		mode = "auto"
	}
	if mode == "true" {
		cfg, err := icc.ClientConfig()
		if err != nil {
			return nil, "", "in-cluster", err
		}
		ns, _, _ := icc.Namespace()
		if req.Namespace != "" {
			ns = req.Namespace
		}
		return cfg, ns, "in-cluster", nil
	}

	// DeferredLoadingClientConfig.createClientConfig
	merged, err := rules.Load()
	if err != nil {
		return nil, "", "kubeconfig", err
	}
	kc := clientcmd.NewNonInteractiveClientConfig(*merged, overrides.CurrentContext, overrides, rules)
	if mode == "false" {
		cfg, err := kc.ClientConfig()
		if err != nil {
			return nil, "", "kubeconfig", err
		}
		ns, _, err := kc.Namespace()
		return cfg, ns, "kubeconfig", err
	}

	// DeferredLoadingClientConfig.ClientConfig
	source := "kubeconfig"
	cfg, err := kc.ClientConfig()
	useICC := false
	switch {
	case err != nil:
		useICC = clientcmd.IsEmptyConfig(err)
	case cfg != nil:
		useICC = rules.IsDefaultConfig(cfg)
	}
	if useICC && icc.Possible() {
		source = "in-cluster"
		cfg, err = icc.ClientConfig()
	}
	if err != nil {
		return nil, "", source, err
	}

	// DeferredLoadingClientConfig.Namespace
	ns, overridden, err := kc.Namespace()
	if (err != nil && !clientcmd.IsEmptyConfig(err)) || overridden || !icc.Possible() {
		return cfg, ns, source, err
	}
	if len(ns) > 0 {
		if ns != "default" {
			return cfg, ns, source, nil
		}
		if raw, err := kc.RawConfig(); err == nil {
			current := raw.CurrentContext
			if len(overrides.CurrentContext) > 0 {
				current = overrides.CurrentContext
			}
			if c := raw.Contexts[current]; c != nil && len(c.Namespace) > 0 {
				return cfg, ns, source, nil
			}
		}
	}
	ns, _, err = icc.Namespace()
	return cfg, ns, source, err
}

// recorder is the innermost RoundTripper: it keeps the request the wrappers produced and answers 200.
type recorder struct{ req *http.Request }

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.req = req
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("{}")), Header: http.Header{}, Request: req}, nil
}

func run(req request) (res Result, err error) {
	res.Impersonate = []string{}
	cfg, ns, source, err := resolve(req)
	res.Source = source
	if err != nil {
		return res, err
	}
	res.Namespace = ns
	base, _, err := rest.DefaultServerUrlFor(cfg)
	if err != nil {
		return res, err
	}
	res.Server = base.String()
	u := rest.NewRequestWithClient(base, "", rest.ClientContentConfig{}, nil).AbsPath("/api").URL()
	u.Fragment = "" // never sent on the wire
	res.RequestURL = u.String()
	res.ServerName, res.Insecure = cfg.ServerName, cfg.Insecure
	res.BearerToken, res.BearerFile = cfg.BearerToken, cfg.BearerTokenFile
	if cfg.Username != "" || cfg.Password != "" {
		res.BasicAuth = cfg.Username + ":" + cfg.Password
	}

	// What transport.New does, in its order, with the recorder instead of the cached TLS transport:
	// TransportConfig (exec / auth-provider set-up), TLSConfigFor (CA+insecure conflict, reading CA/cert/key
	// files), then the HTTP wrappers (token+basic conflict, bearer/basic/impersonation layers).
	tc, err := cfg.TransportConfig()
	if err != nil {
		return res, err
	}
	if _, err := transport.TLSConfigFor(tc); err != nil {
		return res, err
	}
	// loadTLSFiles (inside TLSConfigFor) has replaced empty *Data with the files' contents.
	res.CA, res.Cert, res.Key = string(tc.TLS.CAData), string(tc.TLS.CertData), string(tc.TLS.KeyData)
	if res.CA == "" && tc.TLS.CAFile != "" { // TLSConfigFor returns early when nothing TLS-related is set
		b, _ := os.ReadFile(tc.TLS.CAFile)
		res.CA = string(b)
	}
	rec := &recorder{}
	rt, err := transport.HTTPWrappersForConfig(tc, rec)
	if err != nil {
		return res, err
	}
	httpReq, _ := http.NewRequest(http.MethodGet, res.RequestURL, nil)
	resp, err := rt.RoundTrip(httpReq) // runs exec plugins, reads token files
	if err != nil {
		return res, err
	}
	resp.Body.Close()
	res.Authorization = rec.req.Header.Get("Authorization")
	names := make([]string, 0, len(rec.req.Header))
	for name := range rec.req.Header {
		if strings.HasPrefix(strings.ToLower(name), "impersonate-") {
			names = append(names, name)
		}
	}
	sort.Strings(names) // header names sorted; the values of one name stay in the order they are sent
	for _, name := range names {
		for _, v := range rec.req.Header[name] {
			res.Impersonate = append(res.Impersonate, name+": "+v)
		}
	}
	return res, nil
}

func main() {
	raw := flag.String("request", "", "request JSON (default: read stdin)")
	flag.Parse()
	data := []byte(*raw)
	if *raw == "" {
		var err error
		if data, err = io.ReadAll(os.Stdin); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	var req request
	if len(strings.TrimSpace(string(data))) > 0 {
		if err := json.Unmarshal(data, &req); err != nil {
			fmt.Fprintln(os.Stderr, "bad request:", err)
			os.Exit(2)
		}
	}
	if s, ok := req.InCluster.(string); req.InCluster != nil && !(ok && s == "auto") {
		if _, ok := req.InCluster.(bool); !ok {
			fmt.Fprintln(os.Stderr, `bad request: inCluster must be "auto", true or false`)
			os.Exit(2)
		}
	}
	res, err := run(req)
	if err != nil {
		msg := err.Error()
		res.Error = &msg
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", "  ")
	if err := out.Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, errors.Unwrap(err))
		os.Exit(2)
	}
}
