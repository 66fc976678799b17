"""Metadata settings that every table shares."""

from sqlalchemy import Table
from sqlmodel import SQLModel

# Stable constraint names, so that migrations can name what they alter on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def table_of(model: type[SQLModel]) -> Table:
    """A model's table, for Core statements that skip the ORM's bookkeeping."""
    return SQLModel.metadata.tables[str(model.__tablename__)]
