"""Clients pointed at the emulator (served over real HTTP by the live server)."""

from collections.abc import Callable

import pytest

from greenapi import (
    ClientConfig,
    CreatedInstance,
    CreateInstanceParams,
    InstanceClient,
    PartnerClient,
)

# Short timeouts keep fault tests fast; retries are on so that GET retries are exercised.
FAST = ClientConfig(
    connect_timeout=1.0, read_timeout=2.0, deadline=4.0, get_retries=2, backoff=0.05
)


@pytest.fixture
def config() -> ClientConfig:
    return FAST


@pytest.fixture
def partner(sandbox_url: str, partner_token: str, config: ClientConfig) -> PartnerClient:
    return PartnerClient(base_url=sandbox_url, partner_token=partner_token, config=config)


@pytest.fixture
def make_instance(
    partner: PartnerClient,
) -> Callable[..., CreatedInstance]:
    def make(type_instance: str = "whatsapp", name: str = "Test instance") -> CreatedInstance:
        return partner.create_instance(CreateInstanceParams(name=name, type_instance=type_instance))

    return make


@pytest.fixture
def created(make_instance: Callable[..., CreatedInstance]) -> CreatedInstance:
    return make_instance()


@pytest.fixture
def client_for(sandbox_url: str, config: ClientConfig) -> Callable[..., InstanceClient]:
    def build(created: CreatedInstance, config: ClientConfig = config) -> InstanceClient:
        return InstanceClient(
            base_url=sandbox_url,
            id_instance=created.id_instance,
            api_token=created.api_token,
            type_instance=created.type_instance,
            config=config,
        )

    return build


@pytest.fixture
def client(client_for: Callable[..., InstanceClient], created: CreatedInstance) -> InstanceClient:
    return client_for(created)
