from wengert.testing import conformance

# every dft.* primitive: VJP/JVP vs finite differences, transposes, orders up to max_order
test_conformance = conformance("dft")
