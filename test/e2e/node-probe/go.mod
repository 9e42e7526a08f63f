module cosichaos.local/node-probe

go 1.22
