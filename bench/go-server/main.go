// Command bench-go-server is the Go baseline for `npm run bench`: the smallest cosi.v1alpha1 driver
// built on the upstream generated package, so the mock driver's throughput has something to be compared with.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/grpc"
	cosi "sigs.k8s.io/container-object-storage-interface/proto"
)

// fixedBucketID is returned for every DriverCreateBucket: the baseline measures gRPC, not storage.
const fixedBucketID = "bench-go-bucket"

type identityServer struct {
	cosi.UnimplementedIdentityServer
	name string
}

func (s *identityServer) DriverGetInfo(context.Context, *cosi.DriverGetInfoRequest) (*cosi.DriverGetInfoResponse, error) {
	return &cosi.DriverGetInfoResponse{Name: s.name}, nil
}

type provisionerServer struct {
	cosi.UnimplementedProvisionerServer
}

func (provisionerServer) DriverCreateBucket(context.Context, *cosi.DriverCreateBucketRequest) (*cosi.DriverCreateBucketResponse, error) {
	return &cosi.DriverCreateBucketResponse{BucketId: fixedBucketID}, nil
}

func main() {
	socket := flag.String("socket", "", "unix socket to serve gRPC on (required)")
	name := flag.String("name", "bench-go", "driver name returned by DriverGetInfo")
	exitOnStdinEOF := flag.Bool("exit-on-stdin-eof", false, "stop when stdin closes (the parent process died)")
	flag.Parse()
	if *socket == "" {
		fmt.Fprintln(os.Stderr, "bench-go-server: --socket is required")
		os.Exit(2)
	}
	if err := os.Remove(*socket); err != nil && !errors.Is(err, os.ErrNotExist) {
		log.Fatalf("bench-go-server: remove stale socket: %v", err)
	}
	listener, err := net.Listen("unix", *socket)
	if err != nil {
		log.Fatalf("bench-go-server: listen: %v", err)
	}
	server := grpc.NewServer()
	cosi.RegisterIdentityServer(server, &identityServer{name: *name})
	cosi.RegisterProvisionerServer(server, provisionerServer{})

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-signals
		server.Stop()
	}()
	if *exitOnStdinEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			server.Stop()
		}()
	}
	// Same readiness line shape as the mock driver, so the bench waits on both the same way.
	fmt.Printf("{\"event\":\"listening\",\"socket\":%q,\"pid\":%d}\n", *socket, os.Getpid())
	if err := server.Serve(listener); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		log.Fatalf("bench-go-server: serve: %v", err)
	}
}
