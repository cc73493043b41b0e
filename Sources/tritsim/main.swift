print("tritsim")
