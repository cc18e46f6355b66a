// Decode mode: what client-go's kubeconfig decoder (clientcmd.LoadFromFile: sigs.k8s.io/yaml over go-yaml v2,
// then the v1 JSON decoding, defaulting and conversion) makes of each file, for the differential decode test.
//
//	clientgo-reference -decode < paths.json     # paths.json: ["/abs/file", ...]
//
// Output: a JSON array with one element per file, in order: {"error": "..."} or {"config": Dump}. Relative paths
// inside the files are left as written (LoadFromFile does not resolve them; the loader does that later).
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Modes other than the default request mode (main.go) register here and are dispatched from init, before main's
// flag parsing, so each mode lives in its own file and main.go needs no edit to gain one.
var modes = map[string]func(args []string) int{}

func init() {
	modes["-decode"] = decodeMain
	if len(os.Args) > 1 {
		if mode, ok := modes[os.Args[1]]; ok {
			os.Exit(mode(os.Args[2:]))
		}
	}
}

// DecodedFile is one element of the decode mode's output.
type DecodedFile struct {
	Error  *string `json:"error,omitempty"`
	Config *Dump   `json:"config,omitempty"`
}

// Dump is a decoded kubeconfig with every field client-go keeps, named as in the file. Byte fields are base64,
// extensions are the raw JSON client-go keeps (null when the extension is null).
type Dump struct {
	CurrentContext string                      `json:"current-context"`
	Colors         bool                        `json:"colors"`
	Clusters       map[string]DumpCluster      `json:"clusters"`
	Users          map[string]DumpUser         `json:"users"`
	Contexts       map[string]DumpContext      `json:"contexts"`
	Extensions     map[string]*json.RawMessage `json:"extensions"`
	Preferences    map[string]*json.RawMessage `json:"preferencesExtensions"`
}

type DumpCluster struct {
	Server                   string                      `json:"server"`
	TLSServerName            string                      `json:"tls-server-name"`
	InsecureSkipTLSVerify    bool                        `json:"insecure-skip-tls-verify"`
	CertificateAuthority     string                      `json:"certificate-authority"`
	CertificateAuthorityData string                      `json:"certificate-authority-data"`
	ProxyURL                 string                      `json:"proxy-url"`
	DisableCompression       bool                        `json:"disable-compression"`
	Extensions               map[string]*json.RawMessage `json:"extensions"`
}

type DumpUser struct {
	ClientCertificate     string                           `json:"client-certificate"`
	ClientCertificateData string                           `json:"client-certificate-data"`
	ClientKey             string                           `json:"client-key"`
	ClientKeyData         string                           `json:"client-key-data"`
	Token                 string                           `json:"token"`
	TokenFile             string                           `json:"tokenFile"`
	As                    string                           `json:"as"`
	AsUID                 string                           `json:"as-uid"`
	AsGroups              []string                         `json:"as-groups"`
	AsUserExtra           map[string][]string              `json:"as-user-extra"`
	Username              string                           `json:"username"`
	Password              string                           `json:"password"`
	AuthProvider          *clientcmdapi.AuthProviderConfig `json:"auth-provider"`
	Exec                  *DumpExec                        `json:"exec"`
	Extensions            map[string]*json.RawMessage      `json:"extensions"`
}

type DumpExec struct {
	Command            string            `json:"command"`
	Args               []string          `json:"args"`
	Env                map[string]string `json:"env"` // name -> value; a repeated name keeps the last
	EnvNames           []string          `json:"envNames"`
	APIVersion         string            `json:"apiVersion"`
	InstallHint        string            `json:"installHint"`
	ProvideClusterInfo bool              `json:"provideClusterInfo"`
	InteractiveMode    string            `json:"interactiveMode"`
}

type DumpContext struct {
	Cluster    string                      `json:"cluster"`
	User       string                      `json:"user"`
	Namespace  string                      `json:"namespace"`
	Extensions map[string]*json.RawMessage `json:"extensions"`
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// extensions keeps client-go's raw JSON of each extension (runtime.Unknown), null for a null extension.
func extensions(in map[string]runtime.Object) map[string]*json.RawMessage {
	out := map[string]*json.RawMessage{}
	for name, obj := range in {
		var raw *json.RawMessage
		if u, ok := obj.(*runtime.Unknown); ok && u != nil {
			r := json.RawMessage(u.Raw)
			raw = &r
		} else if obj != nil {
			r := json.RawMessage(fmt.Sprintf("%q", fmt.Sprintf("unexpected %T", obj)))
			raw = &r
		}
		out[name] = raw
	}
	return out
}

func dump(c *clientcmdapi.Config) *Dump {
	d := &Dump{
		CurrentContext: c.CurrentContext,
		Colors:         c.Preferences.Colors,
		Clusters:       map[string]DumpCluster{},
		Users:          map[string]DumpUser{},
		Contexts:       map[string]DumpContext{},
		Extensions:     extensions(c.Extensions),
		Preferences:    extensions(c.Preferences.Extensions),
	}
	for name, cl := range c.Clusters {
		d.Clusters[name] = DumpCluster{cl.Server, cl.TLSServerName, cl.InsecureSkipTLSVerify, cl.CertificateAuthority,
			b64(cl.CertificateAuthorityData), cl.ProxyURL, cl.DisableCompression, extensions(cl.Extensions)}
	}
	for name, u := range c.AuthInfos {
		du := DumpUser{
			ClientCertificate: u.ClientCertificate, ClientCertificateData: b64(u.ClientCertificateData),
			ClientKey: u.ClientKey, ClientKeyData: b64(u.ClientKeyData), Token: u.Token, TokenFile: u.TokenFile,
			As: u.Impersonate, AsUID: u.ImpersonateUID, AsGroups: u.ImpersonateGroups, AsUserExtra: u.ImpersonateUserExtra,
			Username: u.Username, Password: u.Password, AuthProvider: u.AuthProvider, Extensions: extensions(u.Extensions),
		}
		if e := u.Exec; e != nil {
			de := &DumpExec{Command: e.Command, Args: e.Args, Env: map[string]string{}, EnvNames: []string{},
				APIVersion: e.APIVersion, InstallHint: e.InstallHint, ProvideClusterInfo: e.ProvideClusterInfo,
				InteractiveMode: string(e.InteractiveMode)}
			for _, v := range e.Env {
				de.Env[v.Name] = v.Value
				de.EnvNames = append(de.EnvNames, v.Name)
			}
			du.Exec = de
		}
		d.Users[name] = du
	}
	for name, ctx := range c.Contexts {
		d.Contexts[name] = DumpContext{ctx.Cluster, ctx.AuthInfo, ctx.Namespace, extensions(ctx.Extensions)}
	}
	return d
}

func decodeMain(args []string) int {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	var paths []string
	if err := json.Unmarshal(data, &paths); err != nil {
		fmt.Fprintln(os.Stderr, "bad request: expected a JSON array of paths:", err)
		return 2
	}
	out := make([]DecodedFile, 0, len(paths))
	for _, path := range paths {
		cfg, err := clientcmd.LoadFromFile(path)
		if err != nil {
			msg := err.Error()
			out = append(out, DecodedFile{Error: &msg})
			continue
		}
		out = append(out, DecodedFile{Config: dump(cfg)})
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}
