"""``EncryptedString`` on real PostgreSQL: ciphertext at rest, plaintext in Python."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import String, Table, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from grins_platform.core.crypto import DecryptionFailed, EncryptedString

pytestmark = pytest.mark.integration

GATE_CODE = "#4417*"
LOCKBOX_CODE = "9921"


class _TestBase(DeclarativeBase):
    """Metadata of its own: this table never reaches the real schema."""


class Gate(_TestBase):
    __tablename__ = "test_encrypted_gates"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    label: Mapped[str] = mapped_column(String(50))
    gate_code: Mapped[str | None] = mapped_column(
        EncryptedString("test_encrypted_gates.gate_code")
    )
    lockbox_code: Mapped[str | None] = mapped_column(
        EncryptedString("test_encrypted_gates.lockbox_code")
    )


@pytest.fixture
async def gates(session: AsyncSession) -> AsyncSession:
    table: Table = Gate.__table__  # type: ignore[assignment]
    await session.run_sync(lambda s: table.create(s.connection()))
    return session


async def test_gate_code_is_ciphertext_in_the_database(gates: AsyncSession) -> None:
    gate = Gate(label="back yard", gate_code=GATE_CODE, lockbox_code=LOCKBOX_CODE)
    gates.add(gate)
    await gates.commit()

    raw = (
        await gates.execute(
            text(
                "SELECT gate_code, lockbox_code, pg_typeof(gate_code)::text AS kind "
                "FROM test_encrypted_gates WHERE id = :id"
            ),
            {"id": gate.id},
        )
    ).one()
    assert raw.kind == "text"
    assert raw.gate_code.startswith("v1:")
    assert GATE_CODE not in raw.gate_code
    assert "4417" not in raw.gate_code
    assert LOCKBOX_CODE not in raw.lockbox_code

    gates.expunge_all()
    loaded = (await gates.execute(select(Gate).where(Gate.id == gate.id))).scalar_one()
    assert loaded.gate_code == GATE_CODE
    assert loaded.lockbox_code == LOCKBOX_CODE


async def test_null_stays_null(gates: AsyncSession) -> None:
    gate = Gate(label="no gate", gate_code=None)
    gates.add(gate)
    await gates.commit()
    raw = await gates.scalar(
        text("SELECT gate_code FROM test_encrypted_gates WHERE id = :id"),
        {"id": gate.id},
    )
    assert raw is None
    gates.expunge_all()
    loaded = await gates.get(Gate, gate.id)
    assert loaded is not None
    assert loaded.gate_code is None


async def test_value_moved_to_another_column_does_not_decrypt(
    gates: AsyncSession,
) -> None:
    gate = Gate(label="swap", gate_code=GATE_CODE, lockbox_code=LOCKBOX_CODE)
    gates.add(gate)
    await gates.commit()
    await gates.execute(
        text("UPDATE test_encrypted_gates SET lockbox_code = gate_code WHERE id = :id"),
        {"id": gate.id},
    )
    gates.expunge_all()
    with pytest.raises(DecryptionFailed):
        await gates.get(Gate, gate.id)
