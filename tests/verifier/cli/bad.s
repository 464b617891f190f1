  r0 = frobnicate
