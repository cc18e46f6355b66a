// Command test-kubelet is the kubelet streaming server of @org/k8s-testenv's whole cluster: it serves what
// kube-apiserver asks a kubelet for (containerLogs, exec, attach, portForward) for the simulated nodes, while KWOK
// keeps node and pod lifecycle. Exec, attach and port-forward use k8s.io/cri-streaming, the kubelet's own streaming
// server, so protocols, exit codes (NonZeroExitCode with an ExitCode cause) and stdin EOF behave as on a real node.
//
// Nothing runs on the host: exec starts a sandbox child (this binary, `test-kubelet sandbox`) that runs only
// built-in programs and a Go shell interpreter, confined to the container's directory under --dir. Behaviour is
// scripted by files under --dir (see behaviour.go), read on every request.
//
//	test-kubelet serve --listen=127.0.0.1:PORT --dir=DIR --tls-cert-file=F --tls-private-key-file=F --client-ca-file=F
//	test-kubelet sandbox --root=DIR --spec=JSON -- ARGV...   (internal)
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: test-kubelet serve|sandbox [flags]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		os.Exit(serve(os.Args[2:]))
	case "sandbox":
		os.Exit(sandbox(os.Args[2:]))
	default:
		fmt.Fprintf(os.Stderr, "test-kubelet: unknown command %q (want serve or sandbox)\n", os.Args[1])
		os.Exit(2)
	}
}
