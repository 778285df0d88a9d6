"""The explicit parameter markers the page controllers use (Litestar wants them declared)."""

from __future__ import annotations

from typing import Annotated

from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body

from cobudget.domain.permissions import Actor
from cobudget.settings import Settings

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
ActorDep = NamedDependency[Actor]
SettingsDep = NamedDependency[Settings]
