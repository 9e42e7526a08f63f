// node-probe: the test workload of test/e2e/node-cluster.test.ts, built static and run FROM scratch. It prints a
// greeting, then the API server's /version as read through the in-cluster address with its ServiceAccount token,
// and serves "pong" on :8080 for port-forward.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

const saDir = "/var/run/secrets/kubernetes.io/serviceaccount"

func main() {
	fmt.Println("node-probe started")
	go func() {
		http.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "pong") })
		if err := http.ListenAndServe(":8080", nil); err != nil {
			fmt.Println("listen:", err)
		}
	}()
	for {
		body, err := version()
		if err != nil {
			fmt.Println("in-cluster error:", err)
		} else {
			fmt.Println("in-cluster version:", body)
		}
		time.Sleep(5 * time.Second)
	}
}

func version() (string, error) {
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	token, err := os.ReadFile(saDir + "/token")
	if err != nil {
		return "", err
	}
	ca, err := os.ReadFile(saDir + "/ca.crt")
	if err != nil {
		return "", err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
	req, _ := http.NewRequest("GET", "https://"+net.JoinHostPort(host, port)+"/version", nil)
	req.Header.Set("Authorization", "Bearer "+string(token))
	res, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return "", err
	}
	if res.StatusCode != 200 {
		return "", fmt.Errorf("HTTP %d: %s", res.StatusCode, b)
	}
	return string(b), nil
}
