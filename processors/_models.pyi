# Stub of processors/_models.c: pydantic models built without validation (see the C file).
from typing import Any, TypeVar

from pydantic import BaseModel

_M = TypeVar("_M", bound=BaseModel)

def setup(base: type[BaseModel], /) -> None: ...  # TypeError if BaseModel's slots are not as expected
def construct(cls: type[_M], values: dict[str, Any], fields: set[str], /) -> _M: ...  # neither copied
