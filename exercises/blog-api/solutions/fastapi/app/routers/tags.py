"""Tags in use."""

from fastapi import APIRouter

from ..dependencies import Db
from ..schemas import TagsResponse

router = APIRouter(tags=["Tags"])


@router.get("/tags", response_model=TagsResponse, summary="Get the tags in use, alphabetically")
async def list_tags(db: Db):
    return {
        "tags": [tag for (tag,) in db.execute("SELECT DISTINCT tag FROM article_tags ORDER BY tag")]
    }
