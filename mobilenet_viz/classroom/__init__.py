"""The classroom: the question bank computed from the library, the answer store, the teacher PIN,
and the LAN address students join."""
