"""Operations: what a deployment's orchestrator and operator use, apart from the product.

`health` answers the probes and `/metrics`, `metrics` records what an operator watches,
`heartbeat` shows a background process is alive, `logging` keeps secrets out of the logs.
"""
