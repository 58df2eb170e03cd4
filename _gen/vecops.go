package main

func genVecops() {}
