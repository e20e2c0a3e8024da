import wit_world
from wit_world import exports
from wit_world.exports import greet


class WitWorld(wit_world.WitWorld):
    def hello(self, name: str) -> str:
        return f"Hello, {name}!"


class Greet(exports.Greet):
    def greet(self, name: str, times: int) -> greet.Greeting:
        return greet.Greeting(text=" ".join([f"hi {name}"] * times), count=times)
