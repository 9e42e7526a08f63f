module cosi-chaos/bench/go-server

go 1.23.0

require (
	google.golang.org/grpc v1.74.2
	sigs.k8s.io/container-object-storage-interface/proto v0.2.2
)

require (
	golang.org/x/net v0.40.0 // indirect
	golang.org/x/sys v0.33.0 // indirect
	golang.org/x/text v0.25.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20250528174236-200df99c418a // indirect
	google.golang.org/protobuf v1.36.6 // indirect
)
